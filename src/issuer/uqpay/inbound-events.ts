import {
  ISSUER_CARD_STATUSES,
  ISSUER_KYC_STATUSES,
  type IssuerCardStatus,
  type IssuerEvent,
  type IssuerKycStatus,
} from "../port.ts";
import { parseCardProgramEvent } from "./inbound-card-program.ts";
import { maskPan } from "./mask.ts";

/**
 * UQPay webhook envelopes (fact sheet §6) → IssuerEvent. The v1.6 envelope is
 * `{version, event_name:"ISSUING", event_type, event_id, source_id, data}`; the v1.5.2 sample had
 * event_name and event_type swapped, so the specific type is whichever of the two contains a dot.
 * Returns null for a body that is not an event at all. Card-program events (orders, transactions):
 * inbound-card-program.ts.
 */

const KYC: ReadonlySet<string> = new Set(ISSUER_KYC_STATUSES);
const CARD: ReadonlySet<string> = new Set(ISSUER_CARD_STATUSES);

/**
 * Only ever a masked number: a value without a mask character, or with nine or more digits in a
 * row, is dropped, never stored; a masked one is brought to our single masked form.
 */
const masked = (value: string | undefined) =>
  value?.includes("*") && !/\d{9,}/.test(value) ? maskPan(value) : undefined;

const str = (value: unknown) => (typeof value === "string" && value.length > 0 ? value : undefined);

export function parseUqpayEvent(body: unknown): IssuerEvent | null {
  if (typeof body !== "object" || body === null) return null;
  const envelope = body as Record<string, unknown>;
  const eventId = str(envelope.event_id);
  const type = [str(envelope.event_type), str(envelope.event_name)].find((t) => t?.includes("."));
  if (!eventId || !type) return null;
  const data = (
    typeof envelope.data === "object" && envelope.data !== null ? envelope.data : {}
  ) as Record<string, unknown>;
  const base = { eventId, type };

  if (type === "cardholder.kyc.status_changed" || type === "cardholder.updated") {
    const id = str(data.cardholder_id) ?? str(envelope.source_id);
    const status = str(data.cardholder_status)?.toUpperCase();
    if (id && status && KYC.has(status)) {
      return {
        ...base,
        kind: "cardholder_status",
        issuerCardholderId: id,
        status: status as IssuerKycStatus,
      };
    }
    return { ...base, kind: "other" };
  }
  if (type === "card.create.succeeded" || type === "card.create.failed") {
    const id = str(data.card_id);
    if (!id) return { ...base, kind: "other" };
    const metadata = (
      typeof data.metadata === "object" && data.metadata !== null ? data.metadata : {}
    ) as Record<string, unknown>;
    const status = str(data.card_status)?.toUpperCase();
    return {
      ...base,
      kind: "card_created",
      issuerCardId: id,
      cardRef: str(metadata.cardrail_card_id),
      succeeded: type === "card.create.succeeded",
      status: status && CARD.has(status) ? (status as IssuerCardStatus) : undefined,
      maskedNumber: masked(str(data.card_number)),
    };
  }
  return parseCardProgramEvent(base, str(envelope.source_id), data) ?? { ...base, kind: "other" };
}
