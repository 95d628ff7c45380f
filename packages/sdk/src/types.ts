/**
 * Every request and response shape of the Cardrail API, written once. Hand-written on purpose: the
 * SDK must not depend on the server's code. Field names are the wire's (the contract keeps
 * `card_product_id` and `cardDetails.card_number` in snake_case; Cardrail's additions are camelCase).
 */

/** A cardholder's KYC status. `canIssueCard` is true exactly when `ACTIVE`. */
export type CardholderStatus = "IN_REVIEW" | "ACTIVE" | "REJECTED";

/** Test keys (`dk_test_…`) see test data and the simulator; live keys the real issuer. */
export type Mode = "test" | "live";

/**
 * A KYC document (JPEG, PNG or PDF; the server judges the content, not the name):
 * - a `string` or file `URL`: a path on disk, read when the request is sent;
 * - a `Buffer`/`Uint8Array`, a `Blob`/`File`, or a readable stream (Node `Readable`, web
 *   `ReadableStream`, or any `AsyncIterable<Uint8Array>`): read into memory once, so that a retry
 *   can send it again;
 * - `{ data, filename?, contentType? }` to name the part yourself.
 */
export type Upload = string | URL | Uint8Array | Blob | UploadStream | NamedUpload;

export type UploadStream = AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;

export interface NamedUpload {
  data: string | URL | Uint8Array | Blob | UploadStream;
  filename?: string;
  contentType?: string;
}

export type KycDocType = "passport" | "id_card" | "drivers_license";

/** `POST /cardholders`. Dates are `YYYY-MM-DD`. A `drivers_license` needs `docBack` too. */
export interface CreateCardholderInput {
  /** Unique per tenant and mode (case-insensitive). */
  email: string;
  /** 1–40 letters and spaces, no leading or trailing space. */
  firstName: string;
  lastName: string;
  /** ISO 3166-1 alpha-2, e.g. `IN`. */
  country: string;
  /** Digits only. */
  mobile: string;
  kycDocType: KycDocType;
  /** In test mode, `REJECT…` ends REJECTED, `REVIEW…`/`INCOMPLETE…` stay IN_REVIEW, anything else ends ACTIVE. */
  kycIdNumber: string;
  docFront: Upload;
  docBack?: Upload;
  selfie?: Upload;
  kycDob?: string;
  kycIssueDate?: string;
  /** A document that has already expired is refused. */
  kycExpiryDate?: string;
  gender?: "male" | "female" | "other";
  /** A country calling code, e.g. `91`. */
  areaCode?: string;
  town?: string;
}

export interface CreatedCardholder {
  success: true;
  userId: string;
  holderId: string;
  holderStatus: CardholderStatus;
}

export interface CardholderStatusResponse {
  success: true;
  holderId: string;
  status: CardholderStatus;
  canIssueCard: boolean;
  /** While the issuer says INCOMPLETE, the fields it asks for (when it names them). */
  missingFields?: string[];
}

/** `POST /cards`. `loadAmount` is in major units (`20`, `20.5`), at most the currency's minor digits. */
export interface IssueCardInput {
  holderId: string;
  /** e.g. `"111031"` (test mode's product). */
  card_product_id: string;
  /** ISO 4217, e.g. `USD`. */
  currency: string;
  loadAmount: number;
  /** Only `virtual` is issued; the default. */
  cardType?: "virtual";
}

/** A card's lifecycle on Cardrail: `pending` until the issuer activates it (milliseconds in test mode). */
export type CardStatus = "creating" | "pending" | "active" | "frozen" | "cancelled" | "failed";

/** A card as `POST /cards` and `GET /cards/:cardId` show it (never its full number). */
export interface Card {
  success: true;
  /** Cardrail's id (`card_…`). */
  cardId: string;
  /** The issuer's id; the contract's id for reveal. `null` until the issuer has created the card. */
  uqpayCardId: string | null;
  holderId: string;
  /** Typed as a string so that a status added later does not break you; see {@link CardStatus}. */
  status: CardStatus | (string & {});
  currency: string;
  loadAmount: number;
  /** 0 for a failed (refunded) card. */
  loadedBalance: number;
  cardProductId: string;
  maskedNumber: string | null;
  createdAt: string;
}

/** What `cards.create` resolves with: the card, plus what the SDK knows about the request. */
export interface IssuedCard extends Card {
  /** The `Idempotency-Key` that was sent (yours, or the one generated): keep it to retry later. */
  idempotencyKey: string;
  /** True when the server replayed an earlier outcome for this key (`Idempotent-Replayed: true`). */
  replayed: boolean;
}

export interface RevealedCard {
  success: true;
  cardDetails: {
    card_id: string;
    card_number: string;
    cvv: string;
    /** `MM/YY`. */
    expiry_date: string;
  };
}

export interface WalletBalances {
  success: true;
  mode: Mode;
  /** Amounts in major units. */
  balances: { currency: string; balance: number }[];
}

/** One offending input field; `field` uses the contract's names (`loadAmount`, `docFront`, …). */
export interface FieldIssue {
  field: string;
  message: string;
  /** `duplicate_cardholder` names the existing cardholder. */
  holderId?: string;
}

/** The error envelope every refusal carries. */
export interface ErrorBody {
  success: false;
  error: { code: string; message: string; details?: unknown };
  requestId?: string;
}
