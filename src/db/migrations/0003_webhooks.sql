-- Outbound webhooks to tenants: endpoints, the events we emit, and one delivery per (event, endpoint)
-- with its attempts. Delivery is a table polled by every process with FOR UPDATE SKIP LOCKED (see
-- src/modules/webhooks/deliver.ts for why not pg-boss).

CREATE TABLE webhook_endpoints (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants(id),
  mode         text NOT NULL CHECK (mode IN ('test', 'live')),
  url          text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  -- Event types this endpoint receives; '{*}' means every type, including ones added later.
  events       text[] NOT NULL CHECK (cardinality(events) > 0),
  description  text CHECK (length(description) <= 500),
  -- Kept in clear: we must compute HMACs with it. Shown to the tenant once, at creation.
  secret       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Deleted endpoints are kept so that past deliveries in the log still name them.
  deleted_at   timestamptz
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, mode) WHERE deleted_at IS NULL;

CREATE TABLE webhook_events (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  mode        text NOT NULL CHECK (mode IN ('test', 'live')),
  type        text NOT NULL,
  -- The exact JSON body every delivery of this event sends (same bytes on every retry).
  payload     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Ids are time-ordered, so (tenant, mode, id DESC) is "newest first" for the event log.
CREATE INDEX webhook_events_tenant ON webhook_events (tenant_id, mode, id DESC);

CREATE TABLE webhook_deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id         text NOT NULL REFERENCES webhook_events(id),
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints(id),
  -- pending: an attempt is due at next_attempt_at (or in flight under claim_token);
  -- succeeded / failed (retries exhausted) / cancelled (endpoint deleted): nothing more is sent.
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
  attempt_count    integer NOT NULL DEFAULT 0,
  -- Index into the backoff schedule for the next failure; reset by a manual redelivery.
  retry_step       integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  -- Set when a worker claims the row; a result is recorded only by the holder of the current claim.
  claim_token      text,
  last_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, endpoint_id),
  CHECK (status <> 'pending' OR next_attempt_at IS NOT NULL)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  bigint NOT NULL REFERENCES webhook_deliveries(id),
  attempt      integer NOT NULL,
  status_code  integer,
  error        text,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
