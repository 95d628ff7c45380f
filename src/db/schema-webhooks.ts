import type { Generated } from "kysely";
import type { Mode, NullableTimestamp, Timestamp } from "./column-types.ts";

/** Row types of the tenant webhook tables (0003_webhooks.sql); part of the Database in schema.ts. */

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed" | "cancelled";

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  url: string;
  events: string[];
  description: string | null;
  secret: string;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface WebhookEventsTable {
  id: string;
  tenant_id: string;
  mode: Mode;
  type: string;
  payload: string;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<bigint>;
  event_id: string;
  endpoint_id: string;
  status: WebhookDeliveryStatus;
  attempt_count: Generated<number>;
  retry_step: Generated<number>;
  next_attempt_at: NullableTimestamp;
  claim_token: string | null;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookAttemptsTable {
  id: Generated<bigint>;
  delivery_id: bigint;
  attempt: number;
  status_code: number | null;
  error: string | null;
  started_at: Timestamp;
  finished_at: Timestamp;
}
