/**
 * The SDK's request and answer types, by name. Each is an alias of the types generated from
 * openapi.json (src/generated/openapi.ts), so none can drift from the contract; only what the wire
 * cannot say is written here: the accepted forms of an upload, and what the SDK adds to an answer.
 */
import type { Answer, Body, Query } from "./api.ts";
import type { components } from "./generated/openapi.ts";

export type CardholderStatusResponse = Answer<"/api/v1/cardholders/{holderId}/status", "get">;
/** A cardholder's KYC status. `canIssueCard` is true exactly when `ACTIVE`. */
export type CardholderStatus = CardholderStatusResponse["status"];
export type CreatedCardholder = Answer<"/api/v1/cardholders", "post">;
/** A cardholder's profile (`GET /cardholders/{holderId}`). */
export type Cardholder = Answer<"/api/v1/cardholders/{holderId}", "get">;
export type ListCardholdersQuery = Query<"/api/v1/cardholders", "get">;
export type CardholderPage = Answer<"/api/v1/cardholders", "get">;

type CardholderForm = Body<"/api/v1/cardholders", "post", "multipart/form-data">;
type DocumentsForm = Body<
  "/api/v1/cardholders/{holderId}/documents",
  "post",
  "multipart/form-data"
>;
type FileField = "docFront" | "docBack" | "selfie";
interface Documents {
  docFront: Upload;
  /** Required when `kycDocType` is `drivers_license` or `id_card`. */
  docBack?: Upload;
  selfie?: Upload;
}
/** `POST /cardholders`: the form's text fields, and the documents as {@link Upload}s. */
export type CreateCardholderInput = Omit<CardholderForm, FileField> & Documents;
/** `POST /cardholders/{holderId}/documents`: new documents, and corrections of the document's own fields. */
export type ResubmitDocumentsInput = Omit<DocumentsForm, FileField> & Documents;
export type KycDocType = CreateCardholderInput["kycDocType"];

/** `POST /cards`. `loadAmount` is in major units (`20`, `20.5`), at most the currency's minor digits. */
export type IssueCardInput = Body<"/api/v1/cards", "post">;
/** A card as `POST /cards` and `GET /cards/{cardId}` show it (never its full number). */
export type Card = Answer<"/api/v1/cards/{cardId}", "get">;
export type RevealedCard = Answer<"/api/v1/cards/{cardId}/reveal", "get">;
export type ListCardsQuery = Query<"/api/v1/cards", "get">;
export type CardPage = Answer<"/api/v1/cards", "get">;
/** A card as a list shows it: the card of `GET /cards/{cardId}`, without `success`. */
export type CardListItem = CardPage["data"][number];
export type CardStatus = NonNullable<ListCardsQuery["status"]>;
/** `PATCH /cards/{cardId}`: spending limits (replacing the list) and the issuer's controls. */
export type UpdateCardInput = Body<"/api/v1/cards/{cardId}", "patch">;
/** `POST /cards/{cardId}/top-ups` and `/withdrawals`: `amount` in major units. */
export type CardMoneyInput = Body<"/api/v1/cards/{cardId}/top-ups", "post">;
/** A top-up or a withdrawal: `pending`, `succeeded` or `failed`. */
export type CardMoneyMovement = Answer<"/api/v1/cards/{cardId}/top-ups", "post">;
export type RevealToken = Answer<"/api/v1/cards/{cardId}/reveal-token", "post">;

export type WalletBalances = Answer<"/api/v1/wallet", "get">;
/** Test keys (`dk_test_…`) see test data and the simulator; live keys the real issuer. */
export type Mode = WalletBalances["mode"];
export type WalletTransactionsQuery = Query<"/api/v1/wallet/transactions", "get">;
export type WalletTransactionPage = Answer<"/api/v1/wallet/transactions", "get">;
/** One movement of the wallet, with `balanceAfter`. */
export type WalletTransaction = WalletTransactionPage["data"][number];

export type ListTransactionsQuery = Query<"/api/v1/transactions", "get">;
export type CardTransactionsQuery = Query<"/api/v1/cards/{cardId}/transactions", "get">;
export type TransactionPage = Answer<"/api/v1/transactions", "get">;
/** An authorization, reversal, settlement, refund or fee on a card. */
export type Transaction = TransactionPage["data"][number];
/** `POST /test-helpers/cards/{cardId}/authorizations`: a simulated purchase (test keys only). */
export type AuthorizeInput = Body<"/api/v1/test-helpers/cards/{cardId}/authorizations", "post">;
/** The transaction a test helper made (a declined authorization included). */
export type SimulatedTransaction = Answer<
  "/api/v1/test-helpers/cards/{cardId}/authorizations",
  "post"
>;

export type CreateWebhookEndpointInput = Body<"/api/v1/webhook-endpoints", "post">;
/** The endpoint and its signing `secret`, shown this once. */
export type CreatedWebhookEndpoint = Answer<"/api/v1/webhook-endpoints", "post">;
export type WebhookEndpointList = Answer<"/api/v1/webhook-endpoints", "get">;
export type WebhookEndpoint = WebhookEndpointList["data"][number];
export type DeletedWebhookEndpoint = Answer<"/api/v1/webhook-endpoints/{id}", "delete">;

export type ListEventsQuery = Query<"/api/v1/events", "get">;
export type EventPage = Answer<"/api/v1/events", "get">;
export type CardrailEvent = EventPage["data"][number];
export type EventType = CardrailEvent["type"];
/** An event and its deliveries to your endpoints. */
export type EventWithDeliveries = Answer<"/api/v1/events/{id}", "get">;
export type RedeliverInput = NonNullable<Body<"/api/v1/events/{id}/redeliver", "post">>;
export type Redelivery = Answer<"/api/v1/events/{id}/redeliver", "post">;

/** What the SDK adds to the answer of a request it sent with an `Idempotency-Key`. */
export interface Idempotent {
  /** The `Idempotency-Key` that was sent (yours, or the one generated): keep it to retry later. */
  idempotencyKey: string;
  /** True when the server replayed an earlier outcome for this key (`Idempotent-Replayed: true`). */
  replayed: boolean;
}
/** What `cards.create` resolves with. */
export type IssuedCard = Card & Idempotent;
/** What `cards.topUp` and `cards.withdraw` resolve with. */
export type CardMoneyResult = CardMoneyMovement & Idempotent;
/** What `cardholders.create` resolves with. */
export type CreatedCardholderResult = CreatedCardholder & Idempotent;

/** One offending input field; `field` uses the contract's names (`loadAmount`, `docFront`, …). */
export type FieldIssue = components["schemas"]["FieldIssue"] & {
  /** `duplicate_cardholder` names the existing cardholder. */
  holderId?: string;
};

/** The error envelope every refusal carries. */
export interface ErrorBody {
  success: false;
  error: { code: string; message: string; details?: unknown };
  requestId?: string;
}

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
