import { afterEach, describe, expect, it } from "vitest";
import type { Simulator } from "./app.ts";
import { ISO_ALPHA2 } from "./countries.ts";
import { ADMIN, client, holder, idCard, startSim, TINY_PNG_B64 } from "./testkit.ts";

let sim: Simulator;
afterEach(async () => sim?.close());
const URL = "/api/v1/issuing/cardholders";

describe("cardholder create validation", () => {
  const bad: [string, Record<string, unknown>][] = [
    ["invalid email", { email: "not-an-email" }],
    ["name with digits", { first_name: "Ann2" }],
    ["name with leading space", { first_name: " Ann" }],
    ["name with trailing space", { last_name: "Lee " }],
    ["name over 40", { last_name: "A".repeat(41) }],
    ["empty name", { first_name: "" }],
    ["unknown country", { country_code: "XX" }],
    ["lower-case country", { country_code: "sg" }],
    ["phone with letters", { phone_number: "9123abc" }],
    ["phone with plus", { phone_number: "+6591234567" }],
    ["date_of_birth format", { date_of_birth: "09/05/1990" }],
    ["impossible date_of_birth", { date_of_birth: "1990-02-30" }],
    [
      "ID_CARD without back_file",
      { identity: { type: "ID_CARD", number: "S1", front_file: TINY_PNG_B64 } },
    ],
    ["identity without front_file", { identity: { type: "PASSPORT", number: "P1" } }],
    [
      "identity bad type",
      { identity: { type: "LICENSE", number: "P1", front_file: TINY_PNG_B64 } },
    ],
    ["document not base64", { document: "%%%", document_type: "png" }],
    ["document over 2 MB", { document: "A".repeat(2_796_204), document_type: "pdf" }],
    ["missing email", { email: undefined }],
  ];
  for (const [name, override] of bad) {
    it(`rejects ${name}`, async () => {
      sim = await startSim();
      const c = await client(sim);
      const res = await c.post(URL, holder(override));
      expect(res.status).toBe(400);
      expect(res.body.type).toBe("invalid_request_error");
      expect(sim.ctx.state.cardholders.size).toBe(0);
    });
  }

  it("accepts a full valid cardholder with 201 {cardholder_id, cardholder_status}", async () => {
    sim = await startSim();
    const c = await client(sim);
    const res = await c.post(
      URL,
      holder({
        date_of_birth: "1990-05-09",
        gender: "FEMALE",
        nationality: "SG",
        identity: idCard("S1234567A"),
        document: TINY_PNG_B64,
        document_type: "png",
      }),
    );
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["cardholder_id", "cardholder_status"]);
    expect(res.body.cardholder_status).toBe("PENDING");
  });

  it("keeps email and phone unique per account", async () => {
    sim = await startSim();
    const c = await client(sim);
    const first = holder();
    expect((await c.post(URL, first)).status).toBe(201);
    const dupEmail = await c.post(URL, holder({ email: String(first.email).toUpperCase() }));
    expect(dupEmail.status).toBe(400);
    expect(dupEmail.body.message).toContain("email");
    const dupPhone = await c.post(URL, holder({ phone_number: first.phone_number }));
    expect(dupPhone.status).toBe(400);
    expect(dupPhone.body.message).toContain("phone_number");
  });

  it("embeds the 249 ISO 3166-1 alpha-2 codes", () => {
    expect(ISO_ALPHA2.size).toBe(249);
  });
});

describe("sandbox KYC outcomes", () => {
  const cases: [string | undefined, string, string][] = [
    [undefined, "SUCCESS", "SUCCESS"],
    ["S1234567A", "PENDING", "SUCCESS"],
    ["REJECT-1", "PENDING", "FAILED"],
    ["REVIEW-1", "PENDING", "PENDING"],
    ["INCOMPLETE-1", "INCOMPLETE", "INCOMPLETE"],
  ];
  for (const [number, atCreate, afterReview] of cases) {
    it(`identity ${number ?? "(none)"} → ${atCreate} → ${afterReview}`, async () => {
      sim = await startSim({ webhook: { url: "http://127.0.0.1:9/unused", secret: "s" } });
      const c = await client(sim);
      const res = await c.post(URL, holder(number ? { identity: idCard(number) } : {}));
      expect(res.body.cardholder_status).toBe(atCreate);
      sim.flush();
      const got = await c.get(`${URL}/${res.body.cardholder_id}`);
      expect(got.body.cardholder_status).toBe(afterReview);
      const changed = sim.ctx.webhooks.events.filter(
        (e) => e.event_type === "cardholder.kyc.status_changed",
      );
      expect(changed.length).toBe(atCreate === afterReview ? 0 : 1);
      if (changed[0]) expect(changed[0].source_id).toBe(res.body.cardholder_id);
    });
  }

  it("admin override sets the outcome for one cardholder", async () => {
    sim = await startSim();
    const c = await client(sim);
    const res = await c.post(URL, holder({ identity: idCard("REVIEW-9") }));
    const ov = await sim.app.inject({
      method: "POST",
      url: `/__sim/cardholders/${res.body.cardholder_id}/kyc`,
      headers: ADMIN,
      payload: { status: "SUCCESS" },
    });
    expect(ov.json().cardholder_status).toBe("SUCCESS");
  });
});

describe("cardholder retrieve, list, update", () => {
  it("retrieves the full object with the plain create_time format", async () => {
    sim = await startSim();
    const c = await client(sim);
    const res = await c.post(URL, holder({ date_of_birth: "1990-05-09" }));
    const got = await c.get(`${URL}/${res.body.cardholder_id}`);
    expect(got.status).toBe(200);
    expect(got.body.create_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(got.body.date_of_birth).toBe("1990-05-09");
    expect(got.body.number_of_cards).toBe(0);
  });

  it("lists with paging and a status filter", async () => {
    sim = await startSim();
    const c = await client(sim);
    for (let i = 0; i < 12; i++) await c.post(URL, holder());
    await c.post(URL, holder({ identity: idCard("REVIEW-1") }));
    const page2 = await c.get(`${URL}?page_size=10&page_number=2`);
    expect(page2.body).toMatchObject({ total_items: 13, total_pages: 2 });
    expect(page2.body.data).toHaveLength(3);
    const pending = await c.get(`${URL}?cardholder_status=PENDING`);
    expect(pending.body.total_items).toBe(1);
  });

  it("updates other fields but never names", async () => {
    sim = await startSim();
    const c = await client(sim);
    const res = await c.post(URL, holder());
    const id = res.body.cardholder_id;
    const named = await c.post(`${URL}/${id}`, { first_name: "Bob" });
    expect(named.status).toBe(400);
    expect(named.body.message).toContain("names cannot be changed");
    const ok = await c.post(`${URL}/${id}`, { gender: "MALE", email: "new.address@example.com" });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ cardholder_id: id, cardholder_status: "SUCCESS" });
    expect((await c.get(`${URL}/${id}`)).body.email).toBe("new.address@example.com");
  });
});

describe("SUMSUB_REDIRECT (ENHANCED, hosted IDV)", () => {
  it("answers with an IDV link, stays PENDING, then IDV finishes with a SUMSUB webhook", async () => {
    const s = await startSim();
    try {
      const c = await client(s);
      const res = await c.post(
        "/api/v1/issuing/cardholders",
        holder({ kyc_verification: { method: "SUMSUB_REDIRECT" } }),
      );
      expect(res.status).toBe(201);
      expect(res.body.cardholder_status).toBe("PENDING");
      expect(res.body.idv_verification_url).toMatch(/^https:\/\//);
      expect(Date.parse(res.body.idv_url_expires_at)).toBeGreaterThan(s.ctx.clock());
      const got = await c.get(`/api/v1/issuing/cardholders/${res.body.cardholder_id}`);
      expect(got.body.idv_verification_url).toBe(res.body.idv_verification_url);
      s.flush();
      const after = await c.get(`/api/v1/issuing/cardholders/${res.body.cardholder_id}`);
      expect(after.body).toMatchObject({ cardholder_status: "SUCCESS", idv_status: "PASSED" });
      const hook = s.ctx.webhooks.events.find(
        (e) => e.event_type === "cardholder.kyc.status_changed",
      );
      expect(hook?.data).toMatchObject({ idv_provider: "SUMSUB", idv_status: "PASSED" });
      // A plain cardholder has no link.
      const plain = await c.post("/api/v1/issuing/cardholders", holder());
      expect(plain.body.idv_verification_url).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
