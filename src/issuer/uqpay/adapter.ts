import { type CardIssuer, IssuerError, type IssuerProduct } from "../port.ts";
import { cardProgramOperations } from "./card-program.ts";
import type { UqpayAccountClient } from "./client.ts";
import { controlsFromCard } from "./controls.ts";
import {
  contractFieldFor,
  toCreateCardBody,
  toCreateCardholderBody,
  toIdentity,
} from "./mapping.ts";
import { maskPan } from "./mask.ts";
import { cardStatus, kycStatus, orderStatus, toMinor } from "./read-values.ts";
import type { SimulationSupport } from "./simulation.ts";
import { guard, missingFieldNames } from "./translate-error.ts";
import type { Cardholder } from "./types.ts";

export { translateError } from "./translate-error.ts";

/**
 * The UQPay implementation of the issuer port. Field mapping lives in mapping.ts (and controls.ts,
 * transactions.ts); failures become IssuerErrors in translate-error.ts; the card-program
 * operations are in card-program.ts. This file sequences the issuance calls.
 */

/** UQPay's expire_date is MM/YY in the SDK mocks; tolerate MM/YYYY, YYYY-MM and MMYY. */
export function normalizeExpiry(value: string): string {
  const v = value.trim();
  let m = /^(\d{2})\s*\/\s*(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^(\d{2})\s*\/\s*\d{2}(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  m = /^\d{2}(\d{2})-(\d{2})(?:-\d{2})?$/.exec(v);
  if (m) return `${m[2]}/${m[1]}`;
  m = /^(\d{2})(\d{2})$/.exec(v);
  if (m) return `${m[1]}/${m[2]}`;
  throw new IssuerError("unknown_outcome", "UQPay sent an unreadable expire_date");
}

function holderResult(
  h: Pick<Cardholder, "cardholder_id" | "cardholder_status"> & { missing_fields?: unknown },
) {
  const status = kycStatus(h.cardholder_status);
  const missing = missingFieldNames(h.missing_fields).map(contractFieldFor);
  return {
    issuerCardholderId: h.cardholder_id,
    status,
    ...(missing.length > 0 ? { missingFields: missing } : {}),
  };
}

const MAX_PRODUCT_PAGES = 50;

export interface UqpayIssuerOptions {
  /** Where this upstream can simulate card use (UQPay's sandbox, our simulator); absent: nowhere. */
  simulation?: SimulationSupport;
}

export function createUqpayIssuer(
  client: UqpayAccountClient,
  options: UqpayIssuerOptions = {},
): CardIssuer {
  return {
    ...cardProgramOperations(client, options.simulation),

    submitCardholder: (input, call) =>
      guard(async () => {
        const body = toCreateCardholderBody(input);
        const res = await client.cardholders.create(body, { idempotencyKey: call.idempotencyKey });
        return holderResult(res);
      }),

    getCardholder: (id) => guard(async () => holderResult(await client.cardholders.retrieve(id))),

    // UQPay updates a cardholder with POST …/cardholders/{id}; then it is read back for its status.
    resubmitDocuments: (id, document, call) =>
      guard(async () => {
        const identity = toIdentity(document);
        await client.cardholders.update(id, { identity }, { idempotencyKey: call.idempotencyKey });
        return holderResult(await client.cardholders.retrieve(id));
      }),

    issueCard: (input, call) =>
      guard(async () => {
        const body = toCreateCardBody(input);
        const res = await client.cards.create(body, { idempotencyKey: call.idempotencyKey });
        return {
          issuerCardId: res.card_id,
          issuerOrderId: res.card_order_id,
          status: cardStatus(res.card_status),
          orderStatus: orderStatus(res.order_status),
        };
      }),

    getCard: (id) =>
      guard(async () => {
        const c = await client.cards.retrieve(id);
        return {
          issuerCardId: c.card_id,
          status: cardStatus(c.card_status),
          currency: c.card_currency,
          maskedNumber: maskPan(c.card_number),
          availableMinor: toMinor(c.available_balance, c.card_currency, "available_balance"),
          limitMinor: toMinor(c.card_limit, c.card_currency, "card_limit"),
          controls: controlsFromCard(c),
        };
      }),

    getSecureDetails: (id) =>
      guard(async () => {
        const s = await client.cards.getSecure(id);
        return {
          cardNumber: s.card_number,
          cvv: s.cvv,
          expiryDate: normalizeExpiry(s.expire_date),
        };
      }),

    listProducts: () =>
      guard(async () => {
        const out: IssuerProduct[] = [];
        for (let page = 1; page <= MAX_PRODUCT_PAGES; page++) {
          const res = await client.products.list({ page_size: 100, page_number: page });
          for (const p of res.data) {
            const mode = p.mode_type.toUpperCase();
            const kyc = p.kyc_level.toUpperCase();
            // A product we cannot classify is left out rather than guessed at.
            if (mode !== "SHARE" && mode !== "SINGLE") continue;
            if (kyc !== "SIMPLIFIED" && kyc !== "STANDARD" && kyc !== "ENHANCED") continue;
            out.push({
              issuerProductId: p.product_id,
              bin: p.card_bin,
              currencies: p.card_currency,
              enabled: p.product_status.toUpperCase() === "ENABLED",
              modeType: mode,
              kycLevel: kyc,
            });
          }
          if (res.data.length === 0 || page >= res.total_pages) break;
        }
        return out;
      }),
  };
}
