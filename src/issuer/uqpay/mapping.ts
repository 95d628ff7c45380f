import { minorToDecimalString } from "../../core/money.ts";
import type { IssueCardInput, KycDocumentType, SubmitCardholderInput } from "../port.ts";
import type { CreateCardBody, CreateCardholderBody, Identity } from "./types.ts";

/**
 * THE contract → UQPay field mapping. Every other file asks this one; change a destination here
 * and both the request bodies and the field names in translated errors follow.
 *
 * Cardholder (POST /cardholders → POST /v1/issuing/cardholders):
 *
 * | contract field  | port input              | UQPay field             | notes                                     |
 * |-----------------|-------------------------|-------------------------|-------------------------------------------|
 * | email           | email                   | email                   |                                           |
 * | firstName       | firstName               | first_name              | sent unchanged (same 1–40 letters rule)   |
 * | lastName        | lastName                | last_name               | sent unchanged                            |
 * | country         | countryCode             | country_code            | alpha-2, upper case                       |
 * | mobile          | mobile                  | phone_number            | digits, without the calling code          |
 * | kycDob          | dateOfBirth             | date_of_birth           | YYYY-MM-DD                                |
 * | gender          | gender                  | gender                  | MALE / FEMALE                             |
 * | kycDocType      | document.type           | identity.type           | passport→PASSPORT, id_card→ID_CARD,       |
 * |                 |                         |                         | drivers_license→ID_CARD (see below)       |
 * | kycIdNumber     | document.number         | identity.number         |                                           |
 * | docFront        | document.front          | identity.front_file     | base64 of the bytes                       |
 * | docBack         | document.back           | identity.back_file      | base64; required for ID_CARD              |
 * | selfie          | document.selfie         | identity.hand_file      | base64 (holding the document)             |
 * | kycIssueDate    | document.issueDate      | —                       | no upstream field; kept by Cardrail only  |
 * | kycExpiryDate   | document.expiryDate     | —                       | no upstream field; kept by Cardrail only  |
 * | areaCode        | areaCode                | —                       | no upstream field; kept by Cardrail only  |
 * | town            | town                    | —                       | no upstream field; kept by Cardrail only  |
 *
 * Card (POST /cards → POST /v1/issuing/cards):
 *
 * | contract field  | port input       | UQPay field                | notes                                        |
 * |-----------------|------------------|----------------------------|----------------------------------------------|
 * | loadAmount      | amountMinor      | card_limit                 | minor units → decimal (money.ts) → number    |
 * | currency        | currency         | card_currency              |                                              |
 * | card_product_id | issuerProductId  | card_product_id            | our catalogue's issuer product id            |
 * | cardId          | cardRef          | metadata.cardrail_card_id  | lets recovery find the upstream card         |
 *
 * Card program (recharge, withdraw, controls): CARD_PROGRAM_FIELDS below, read by controls.ts.
 *
 * Driving licence: UQPay knows only ID_CARD and PASSPORT. A driving licence is a government photo
 * ID with a front and a back, so it is sent as ID_CARD and, like id_card, needs docBack.
 */

export type CardholderContractField =
  | "email"
  | "firstName"
  | "lastName"
  | "country"
  | "mobile"
  | "kycDob"
  | "gender"
  | "kycDocType"
  | "kycIdNumber"
  | "docFront"
  | "docBack"
  | "selfie"
  | "kycIssueDate"
  | "kycExpiryDate"
  | "areaCode"
  | "town";

export type CardContractField = "loadAmount" | "currency" | "card_product_id" | "cardId";
/** The port's CardControls keys, and `amount` of a recharge/withdraw. */
export type CardProgramContractField =
  | "amount"
  | "spendingLimits"
  | "allow3dsTransactions"
  | "enable3ds"
  | "allowedMcc"
  | "blockedMcc";
export type ContractField = CardholderContractField | CardContractField | CardProgramContractField;

export interface FieldRule<F extends string> {
  contract: F;
  /** Dotted UQPay path, or null when the field has no upstream destination. */
  upstream: string | null;
  note?: string;
}

const CARDRAIL_ONLY = "no upstream field; kept by Cardrail only";

export const CARDHOLDER_FIELDS: readonly FieldRule<CardholderContractField>[] = [
  { contract: "email", upstream: "email" },
  { contract: "firstName", upstream: "first_name" },
  { contract: "lastName", upstream: "last_name" },
  { contract: "country", upstream: "country_code" },
  { contract: "mobile", upstream: "phone_number" },
  { contract: "kycDob", upstream: "date_of_birth" },
  { contract: "gender", upstream: "gender" },
  { contract: "kycDocType", upstream: "identity.type" },
  { contract: "kycIdNumber", upstream: "identity.number" },
  { contract: "docFront", upstream: "identity.front_file", note: "base64" },
  { contract: "docBack", upstream: "identity.back_file", note: "base64; required for ID_CARD" },
  { contract: "selfie", upstream: "identity.hand_file", note: "base64" },
  { contract: "kycIssueDate", upstream: null, note: CARDRAIL_ONLY },
  { contract: "kycExpiryDate", upstream: null, note: CARDRAIL_ONLY },
  { contract: "areaCode", upstream: null, note: CARDRAIL_ONLY },
  { contract: "town", upstream: null, note: CARDRAIL_ONLY },
];

export const CARD_FIELDS: readonly FieldRule<CardContractField>[] = [
  { contract: "loadAmount", upstream: "card_limit", note: "minor units → decimal number" },
  { contract: "currency", upstream: "card_currency" },
  { contract: "card_product_id", upstream: "card_product_id" },
  { contract: "cardId", upstream: "metadata.cardrail_card_id" },
];

/** Recharge/withdraw and card updates (controls.ts, card-program.ts). */
export const CARD_PROGRAM_FIELDS: readonly FieldRule<CardProgramContractField>[] = [
  { contract: "amount", upstream: "amount", note: "minor units → decimal number" },
  {
    contract: "spendingLimits",
    upstream: "spending_controls",
    note: "amount in the card's currency",
  },
  {
    contract: "allow3dsTransactions",
    upstream: "risk_controls.allow_3ds_transactions",
    note: "Y/N",
  },
  { contract: "enable3ds", upstream: "risk_controls.enable_3ds", note: "Y/N" },
  { contract: "allowedMcc", upstream: "risk_controls.allowed_mcc" },
  { contract: "blockedMcc", upstream: "risk_controls.blocked_mcc" },
];

export const DOCUMENT_TYPES: Readonly<Record<KycDocumentType, Identity["type"]>> = {
  passport: "PASSPORT",
  id_card: "ID_CARD",
  drivers_license: "ID_CARD",
};

/** Document types whose back side must be sent (UQPay requires back_file for ID_CARD). */
export function needsBack(type: KycDocumentType): boolean {
  return DOCUMENT_TYPES[type] === "ID_CARD";
}

function buildReverse(): ReadonlyMap<string, ContractField> {
  const map = new Map<string, ContractField>();
  for (const rule of [...CARDHOLDER_FIELDS, ...CARD_FIELDS, ...CARD_PROGRAM_FIELDS]) {
    if (!rule.upstream) continue;
    map.set(rule.upstream, rule.contract);
    // Errors often name only the leaf ("back_file"). Generic leaves ("type", "number") are not
    // aliases: "type" in a message is rarely about identity.type.
    const leaf = rule.upstream.split(".").at(-1);
    if (leaf?.includes("_") && !map.has(leaf)) map.set(leaf, rule.contract);
  }
  return map;
}

/** Upstream field name (dotted path or leaf) → our contract field name, e.g. phone_number → mobile. */
export const UPSTREAM_TO_CONTRACT: ReadonlyMap<string, ContractField> = buildReverse();

/** Our name for an upstream field, or the upstream name itself when it has no counterpart. */
export function contractFieldFor(upstreamName: string): string {
  const name = upstreamName.replace(/^cardholder_required_fields\./, "");
  return (
    UPSTREAM_TO_CONTRACT.get(name) ?? UPSTREAM_TO_CONTRACT.get(name.split(".").at(-1) ?? "") ?? name
  );
}

const NAME_CHARS = "A-Za-z0-9_";
const FIELD_PATTERNS = [...UPSTREAM_TO_CONTRACT.keys()]
  .sort((a, b) => b.length - a.length)
  .map((name) => ({
    name,
    re: new RegExp(`(?<![${NAME_CHARS}.])${name.replace(/\./g, "\\.")}(?![${NAME_CHARS}])`),
  }));

/** Contract field names an upstream error message mentions ("phone_number is invalid" → ["mobile"]). */
export function fieldsNamedIn(message: string): ContractField[] {
  const found = new Set<ContractField>();
  for (const { name, re } of FIELD_PATTERNS) {
    if (re.test(message)) {
      const f = UPSTREAM_TO_CONTRACT.get(name);
      if (f) found.add(f);
    }
  }
  return [...found];
}

export class MappingError extends Error {
  override readonly name = "MappingError";
  constructor(
    readonly field: ContractField,
    message: string,
  ) {
    super(message);
  }
}

/** Port document → UQPay `identity` object (used by create and by document resubmission). */
export function toIdentity(doc: SubmitCardholderInput["document"]): Identity {
  if (needsBack(doc.type) && !doc.back) {
    throw new MappingError("docBack", `docBack is required for ${doc.type} (sent as ID_CARD)`);
  }
  const identity: Identity = {
    type: DOCUMENT_TYPES[doc.type],
    number: doc.number,
    front_file: doc.front.bytes.toString("base64"),
  };
  if (doc.back) identity.back_file = doc.back.bytes.toString("base64");
  if (doc.selfie) identity.hand_file = doc.selfie.bytes.toString("base64");
  return identity;
}

/** Port input → UQPay create-cardholder body, per the table above. */
export function toCreateCardholderBody(input: SubmitCardholderInput): CreateCardholderBody {
  const identity = toIdentity(input.document);
  const body: CreateCardholderBody = {
    email: input.email,
    first_name: input.firstName,
    last_name: input.lastName,
    country_code: input.countryCode,
    phone_number: input.mobile,
    identity,
  };
  if (input.dateOfBirth) body.date_of_birth = input.dateOfBirth;
  if (input.gender) body.gender = input.gender;
  return body;
}

/** Port input → UQPay create-card body, per the table above. */
export function toCreateCardBody(input: IssueCardInput): CreateCardBody {
  let limit: string;
  try {
    limit = minorToDecimalString(input.amountMinor, input.currency);
  } catch {
    throw new MappingError("currency", `unsupported currency ${input.currency}`);
  }
  if (input.amountMinor < 0n)
    throw new MappingError("loadAmount", "loadAmount must not be negative");
  return {
    cardholder_id: input.issuerCardholderId,
    card_product_id: input.issuerProductId,
    card_currency: input.currency,
    card_limit: Number(limit),
    metadata: { cardrail_card_id: input.cardRef },
  };
}
