import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCardrail, type TestCardrail, type TestTenant } from "../fixtures/cardrail.ts";
import { cardholderForm } from "../fixtures/flows.ts";

/**
 * Tenants act at the issuer through accounts of their own. Before, tenant B
 * posting A's cardholder's email or mobile got `400 refused by the card issuer: … already exists`:
 * B learned that the person is a customer elsewhere, and could register them first so A never could.
 */

let cardrail: TestCardrail;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  cardrail = await startCardrail();
  a = await cardrail.tenant();
  b = await cardrail.tenant();
});
afterAll(async () => {
  await cardrail?.close();
});

const post = (tenant: TestTenant, fields: Record<string, string>) =>
  tenant.api("/api/v1/cardholders", { method: "POST", body: cardholderForm(fields) });

const person = (n: string) => ({
  email: `person.${n}.${Date.now()}@example.com`,
  mobile: `8${String(Date.now() % 1e8).padStart(8, "0")}${n.length}`,
});

describe("tenants are separated at the issuer", () => {
  it("B gets the same answer for A's cardholder as for a fresh person, and A's duplicate is still caught", async () => {
    const known = person("known");
    const first = await post(a, known);
    expect(first.status, JSON.stringify(first.body)).toBe(201);

    // The same email (any case) and the same mobile, from B: a new cardholder of B's, like anyone's.
    const byB = await post(b, { email: known.email.toUpperCase(), mobile: known.mobile });
    const fresh = await post(b, person("fresh"));
    expect(fresh.status).toBe(201);
    expect(byB.status, JSON.stringify(byB.body)).toBe(fresh.status);
    expect(Object.keys(byB.body).sort()).toEqual(Object.keys(fresh.body).sort());
    expect(byB.body.holderId).not.toBe(first.body.holderId);

    // A's own duplicate is refused, speaking only of A's data.
    const again = await post(a, { email: known.email, mobile: person("other").mobile });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toMatch(/email/i);
  });

  it("B cannot squat a person A has not onboarded yet", async () => {
    const target = person("target");
    const squat = await post(b, target);
    expect(squat.status).toBe(201);
    const later = await post(a, target);
    expect(later.status, JSON.stringify(later.body)).toBe(201);
  });

  it("each tenant's test-mode account is its own, made without any set-up", async () => {
    const rows = await cardrail.runtime.database.db
      .selectFrom("tenant_issuer_accounts")
      .selectAll()
      .where("tenant_id", "in", [a.tenantId, b.tenantId])
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.mode === "test" && r.account_id !== null)).toBe(true);
    expect(rows[0]?.account_id).not.toBe(rows[1]?.account_id);
  });
});
