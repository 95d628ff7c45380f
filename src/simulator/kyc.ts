/**
 * Cardholder creation and KYC outcomes. kyc_verification THIRD_PARTY → SUCCESS at once (the
 * client vouches with its provider's kyc_proof; fact sheet §2). Otherwise the sandbox rule, by
 * identity.number prefix: REJECT… → FAILED after the review delay; REVIEW… → stays PENDING;
 * INCOMPLETE… → INCOMPLETE; anything else → PENDING, then SUCCESS after reviewDelayMs. No
 * identity → SUCCESS at once (SIMPLIFIED level). Admin overrides replace the scheduled outcome.
 */
import { finishCreate } from "./cardflow.ts";
import type { SimContext } from "./context.ts";
import { cardholderError } from "./errors.ts";
import type { CardholderCreate } from "./schemas.ts";
import type { Cardholder, KycStatus, MissingField } from "./state.ts";
import { cardholderWebhookData } from "./views.ts";

export function assertUnique(
  ctx: SimContext,
  email: string | undefined,
  phone: string | undefined,
  selfId?: string,
) {
  for (const ch of ctx.state.cardholders.values()) {
    if (ch.cardholder_id === selfId) continue;
    if (email !== undefined && ch.email.toLowerCase() === email.toLowerCase())
      throw cardholderError(
        "email_already_exists",
        "email: a cardholder with this email already exists",
      );
    if (phone !== undefined && ch.phone_number === phone)
      throw cardholderError(
        "phone_number_already_exists",
        "phone_number: a cardholder with this phone number already exists",
      );
  }
}

export function createCardholder(ctx: SimContext, input: CardholderCreate): Cardholder {
  assertUnique(ctx, input.email, input.phone_number);
  const now = ctx.clock();
  const ch: Cardholder = {
    cardholder_id: ctx.rng.uuid(),
    email: input.email,
    first_name: input.first_name,
    last_name: input.last_name,
    country_code: input.country_code,
    phone_number: input.phone_number,
    has_document: input.document !== undefined,
    cardholder_status: "PENDING",
    create_time: now,
    update_time: now,
  };
  applyOptional(ch, input);
  ctx.state.cardholders.set(ch.cardholder_id, ch);
  startReview(ctx, ch);
  return ch;
}

export function applyOptional(
  ch: Cardholder,
  input: Omit<Partial<CardholderCreate>, "first_name" | "last_name">,
): void {
  if (input.date_of_birth !== undefined) ch.date_of_birth = input.date_of_birth;
  if (input.gender !== undefined) ch.gender = input.gender;
  if (input.nationality !== undefined) ch.nationality = input.nationality;
  if (input.residential_address !== undefined) ch.residential_address = input.residential_address;
  if (input.delivery_address !== undefined) ch.delivery_address = input.delivery_address;
  if (input.kyc_verification !== undefined) ch.kyc_verification = input.kyc_verification;
  if (input.document_type !== undefined) ch.document_type = input.document_type;
  if (input.document !== undefined) ch.has_document = true;
  if (input.identity !== undefined)
    ch.identity = {
      type: input.identity.type,
      number: input.identity.number,
      has_back: input.identity.back_file !== undefined,
      has_hand: input.identity.hand_file !== undefined,
    };
}

/** What an INCOMPLETE… review asks for: the identity document's front, readable this time. */
const INCOMPLETE_DOCUMENT: MissingField = {
  name: "identity.front_file",
  type: "string",
  required: true,
  description: "The identity document could not be verified; upload a clear image of its front",
};

/** Decide the KYC path from the identity number (set synchronously, no webhook on create). */
export function startReview(ctx: SimContext, ch: Cardholder): void {
  ctx.scheduler.cancel("kyc", ch.cardholder_id);
  // A new review forgets what the last one asked for.
  delete ch.missing_fields;
  const number = ch.identity?.number.toUpperCase();
  if (ch.kyc_verification?.method === "SUMSUB_REDIRECT") {
    // ENHANCED via the hosted Sumsub flow: an IDV link, status PENDING until IDV finishes (the
    // cardholder guide says PENDING, the enhanced-KYC guide INCOMPLETE: CONFLICT, PENDING chosen).
    // The link lives 24 h here (UNCONFIRMED). The "user" finishes IDV after reviewDelayMs, with
    // the identity-number rules below deciding the outcome (REJECT… fails, REVIEW… never ends).
    const token = ctx.rng.uuid().replaceAll("-", "");
    ch.idv = {
      url: `https://in.sumsub.com/websdk/p/sbx_${token}`,
      expires_at: ctx.clock() + 24 * 3600_000,
    };
    ch.cardholder_status = "PENDING";
    if (number?.startsWith("REVIEW")) return;
    const outcome: KycStatus = number?.startsWith("REJECT") ? "FAILED" : "SUCCESS";
    ctx.scheduler.add("kyc", ch.cardholder_id, ctx.settings.reviewDelayMs, { status: outcome });
    return;
  }
  // THIRD_PARTY: the KYC was done elsewhere and kyc_proof names it, so UQPay answers SUCCESS
  // immediately (fact sheet §2, ENHANCED). Cards already waiting on this cardholder go ahead.
  if (number === undefined || ch.kyc_verification?.method === "THIRD_PARTY") {
    // A Sumsub link from an earlier SUMSUB_REDIRECT attempt no longer applies.
    delete ch.idv;
    ch.cardholder_status = "SUCCESS";
    releaseWaitingCards(ctx, ch);
    return;
  }
  if (number.startsWith("INCOMPLETE")) {
    ch.cardholder_status = "INCOMPLETE";
    // The review asks for the document's front again (FIDELITY.md: the field is ours to show).
    ch.missing_fields = [INCOMPLETE_DOCUMENT];
    return;
  }
  ch.cardholder_status = "PENDING";
  if (number.startsWith("REVIEW")) return;
  const outcome: KycStatus = number.startsWith("REJECT") ? "FAILED" : "SUCCESS";
  ctx.scheduler.add("kyc", ch.cardholder_id, ctx.settings.reviewDelayMs, { status: outcome });
}

/** A KYC decision lands: webhook, and one-step cards waiting on it move on. */
export function setKycStatus(ctx: SimContext, ch: Cardholder, status: KycStatus): void {
  if (ch.cardholder_status === status) return;
  ch.cardholder_status = status;
  ch.update_time = ctx.clock();
  ctx.webhooks.emit("cardholder.kyc.status_changed", ch.cardholder_id, cardholderWebhookData(ch));
  releaseWaitingCards(ctx, ch);
}

/** Cards created while their cardholder was in review: SUCCESS activates them, FAILED fails them. */
function releaseWaitingCards(ctx: SimContext, ch: Cardholder): void {
  const status = ch.cardholder_status;
  for (const card of ctx.state.cards.values()) {
    if (card.cardholder_id !== ch.cardholder_id || !card.awaiting_kyc) continue;
    if (status === "SUCCESS") {
      card.awaiting_kyc = false;
      ctx.scheduler.add("card_activate", card.card_id, ctx.settings.cardActivationDelayMs);
    } else if (status === "FAILED") {
      card.awaiting_kyc = false;
      card.fail_on_activate = true;
      finishCreate(ctx, card);
    }
  }
}
