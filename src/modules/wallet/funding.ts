import { randomUUID } from "node:crypto";
import { CardrailError } from "../../core/errors.ts";
import { isKnownCurrency } from "../../core/money.ts";
import type { Db } from "../../db/pool.ts";
import type { Mode } from "../../db/schema.ts";
import { post } from "./ledger.ts";

export interface FundingInput {
  tenantId: string;
  mode: Mode;
  currency: string;
  amountMinor: bigint;
  /** Makes a repeated funding command harmless; a fresh one is made when absent. */
  reference?: string;
  memo?: string;
}

/** Adds prepaid money to a tenant's wallet (an operator action). Returns false for a replayed reference. */
export async function fundWallet(
  db: Db,
  input: FundingInput,
): Promise<{ posted: boolean; reference: string }> {
  if (!isKnownCurrency(input.currency))
    throw new CardrailError("validation_error", `unknown currency ${input.currency}`);
  if (input.amountMinor <= 0n)
    throw new CardrailError("validation_error", "amount must be greater than 0");
  const tenant = await db
    .selectFrom("tenants")
    .select("id")
    .where("id", "=", input.tenantId)
    .executeTakeFirst();
  if (!tenant) throw new CardrailError("not_found", `tenant ${input.tenantId} not found`);
  const reference = input.reference ?? `funding:${randomUUID()}`;
  const posted = await db
    .transaction()
    .execute((tx) =>
      post(
        tx,
        { tenantId: input.tenantId, mode: input.mode, currency: input.currency },
        { kind: "funding", amount: input.amountMinor, reference, memo: input.memo },
      ),
    );
  return { posted, reference };
}
