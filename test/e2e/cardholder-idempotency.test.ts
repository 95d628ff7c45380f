import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { cardholderForm } from "../fixtures/flows.ts";

let cardrail: TestCardrail;
let tenant: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  tenant = await cardrail.tenant();
});
afterAll(() => cardrail?.close());

const create = (fields: Record<string, string | Buffer | null>, key?: string) =>
  tenant.api("/api/v1/cardholders", {
    method: "POST",
    body: cardholderForm(fields),
    headers: key ? { "idempotency-key": key } : {},
  });

describe("Idempotency-Key on POST /cardholders", () => {
  it("replays the first 201 for the same request, refuses the key for another, creates one cardholder", async () => {
    const fields = { email: "once@example.com", mobile: "9111111111", kycIdNumber: "P000111" };
    const first = await create(fields, "holder-key-1");
    expect(first.status).toBe(201);
    const again = await create(fields, "holder-key-1");
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");

    const other = await create({ ...fields, email: "other@example.com" }, "holder-key-1");
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");

    const rows = await cardrail.runtime.database.db
      .selectFrom("cardholders")
      .select("id")
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it("a refused request does not use up its key: the corrected request with it succeeds", async () => {
    const refused = await create({ email: "fixme@example.com", country: "XX" }, "holder-key-2");
    expect(refused.status).toBe(400);
    const fixed = await create({ email: "fixme@example.com", country: "IN" }, "holder-key-2");
    expect(fixed.status).toBe(201);
  });

  it("a key used on POST /cards cannot be replayed on POST /cardholders", async () => {
    const issued = await tenant.api("/api/v1/cards", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "shared-key" },
      body: JSON.stringify({
        holderId: "ch_nope",
        card_product_id: "111031",
        currency: "USD",
        loadAmount: 1,
      }),
    });
    expect(issued.status).toBe(404);
    const holder = await create({ email: "shared@example.com" }, "shared-key");
    // The card request was refused before doing anything, so it did not keep the key.
    expect(holder.status).toBe(201);
    const card = await tenant.api("/api/v1/cards", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "shared-key" },
      body: JSON.stringify({
        holderId: holder.body.holderId,
        card_product_id: "111031",
        currency: "USD",
        loadAmount: 1,
      }),
    });
    expect(card.status).toBe(422);
    expect(card.body.error.code).toBe("idempotency_key_reused");
  });
});
