import type { FieldIssue } from "../../core/errors.ts";
import { CardrailError, notFound, validationError } from "../../core/errors.ts";
import { isKnownCurrency } from "../../core/money.ts";
import type { DbOrTx } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";

/**
 * Cardrail's own card catalogue: our product id → the issuer's product and the currencies we offer
 * on it, per mode. Issuance (modules/cards/issue.ts) only accepts enabled products, so disabling is
 * how an operator withdraws one without breaking the cards already issued on it.
 */

export interface CardProduct {
  mode: Mode;
  id: string;
  name: string;
  issuer: string;
  issuerProductId: string;
  currencies: string[];
  enabled: boolean;
  createdAt: Date;
}

export interface NewCardProduct {
  mode: Mode;
  id: string;
  name: string;
  issuerProductId: string;
  currencies: string[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const columns = [
  "mode",
  "id",
  "name",
  "issuer",
  "issuer_product_id as issuerProductId",
  "currencies",
  "enabled",
  "created_at as createdAt",
] as const;

export async function listProducts(db: DbOrTx, mode: Mode): Promise<CardProduct[]> {
  return db
    .selectFrom("card_products")
    .select(columns)
    .where("mode", "=", mode)
    .orderBy("id")
    .execute();
}

/** Checks a new product's fields; every problem is reported at once, named by field. */
export function validateNewProduct(input: NewCardProduct): NewCardProduct {
  const issues: FieldIssue[] = [];
  const id = input.id.trim();
  const name = input.name.trim();
  const issuerProductId = input.issuerProductId.trim().toLowerCase();
  const currencies = [
    ...new Set(input.currencies.map((c) => c.trim().toUpperCase()).filter((c) => c !== "")),
  ];
  if (!ID_PATTERN.test(id)) {
    issues.push({
      field: "id",
      message: "1-64 letters, digits, '-' or '_', starting with a letter or digit",
    });
  }
  if (name.length === 0 || name.length > 200)
    issues.push({ field: "name", message: "1-200 characters" });
  if (!UUID_PATTERN.test(issuerProductId))
    issues.push({ field: "issuerProductId", message: "must be a UUID" });
  if (currencies.length === 0)
    issues.push({ field: "currencies", message: "at least one currency" });
  const unknown = currencies.filter((c) => !isKnownCurrency(c));
  if (unknown.length > 0) {
    issues.push({
      field: "currencies",
      message: `unknown ISO 4217 currency: ${unknown.join(", ")}`,
    });
  }
  if (issues.length > 0) throw validationError(issues);
  return { mode: input.mode, id, name, issuerProductId, currencies };
}

export async function addProduct(db: DbOrTx, input: NewCardProduct): Promise<CardProduct> {
  const product = validateNewProduct(input);
  const inserted = await db
    .insertInto("card_products")
    .values({
      mode: product.mode,
      id: product.id,
      name: product.name,
      issuer_product_id: product.issuerProductId,
      currencies: product.currencies,
    })
    .onConflict((oc) => oc.columns(["mode", "id"]).doNothing())
    .returning(columns)
    .executeTakeFirst();
  if (!inserted) {
    throw new CardrailError(
      "validation_error",
      `card product ${product.id} already exists in ${product.mode} mode`,
      [{ field: "id", message: "already exists" }],
    );
  }
  return inserted;
}

/** Enables or disables a product; `changed` is false when it already was in that state. */
export async function setProductEnabled(
  db: DbOrTx,
  mode: Mode,
  id: string,
  enabled: boolean,
): Promise<{ product: CardProduct; changed: boolean }> {
  const updated = await db
    .updateTable("card_products")
    .set({ enabled })
    .where("mode", "=", mode)
    .where("id", "=", id)
    .where("enabled", "=", !enabled)
    .returning(columns)
    .executeTakeFirst();
  if (updated) return { product: updated, changed: true };
  const current = await db
    .selectFrom("card_products")
    .select(columns)
    .where("mode", "=", mode)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!current) throw notFound(`card product ${id} (${mode} mode)`);
  return { product: current, changed: false };
}
