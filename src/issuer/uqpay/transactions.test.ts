import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { minorToDecimalString } from "../../core/money.ts";
import { IssuerError } from "../port.ts";
import { toIssuerTransaction, transactionStatus, transactionType } from "./transactions.ts";

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../simulator/fixtures/${name}.json`, import.meta.url), "utf8"),
  );

describe("UQPay card transaction → IssuerTransaction", () => {
  it("reads the webhook sample: strings, merchant_data as an array, the fee in billing", () => {
    const t = toIssuerTransaction(fixture("webhook-transaction-authorization").data);
    expect(t).toEqual({
      issuerTransactionId: "7f8091a2-b3c4-4d5e-8f6a-7b8c9d0e1f2a",
      issuerCardId: "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8",
      originalTransactionId: null,
      type: "authorization",
      status: "approved",
      amountMinor: 1000n,
      currency: "USD",
      billingAmountMinor: 1150n,
      billingCurrency: "USD",
      merchant: { name: "Shop", mcc: "5734", city: "Singapore", country: "SG" },
      declineReason: null,
      occurredAt: new Date("2024-03-21T09:17:32Z"),
      postedAt: new Date("2024-03-21T09:17:32Z"),
      cardAvailableMinor: 98850n,
    });
  });

  it("reads a simulation answer: numbers, merchant_data an object, failure_reason on a decline", () => {
    const t = toIssuerTransaction({
      ...fixture("simulation-authorization"),
      transaction_status: "DECLINED",
      failure_reason: "1116 - Insufficient Funds",
    });
    expect(t.status).toBe("declined");
    expect(t.declineReason).toBe("1116 - Insufficient Funds");
    expect(t.merchant?.mcc).toBe("5734");
  });

  it("maps the types with spaces and the statuses as the fact sheet gives them", () => {
    expect(transactionType("SETTLEMENT DEBIT")).toBe("settlement");
    expect(transactionType("settlement_credit")).toBe("settlement");
    expect(transactionType("SETTLEMENT REVERSAL")).toBe("other");
    expect(transactionType("CHARGEBACK DEBIT")).toBe("other");
    expect(transactionType("FEE")).toBe("fee");
    expect(transactionType(undefined)).toBe("other");
    expect(transactionStatus("APPROVED", "settlement")).toBe("settled");
    expect(transactionStatus("APPROVED", "reversal")).toBe("approved");
    expect(transactionStatus("DECLINED", "settlement")).toBe("declined");
    expect(transactionStatus("REVERSED", "authorization")).toBe("reversed");
    expect(transactionStatus("", "authorization")).toBe("pending");
    expect(transactionStatus("SOMETHING NEW", "refund")).toBe("pending");
  });

  it("refuses what it cannot read as unknown_outcome, never a guess", () => {
    const base = fixture("webhook-transaction-authorization").data;
    for (const broken of [
      { transaction_id: "" },
      { card_id: undefined },
      { transaction_amount: "ten" },
      { billing_amount: "1.234" },
      { transaction_time: "yesterday", posted_time: "" },
    ]) {
      let error: unknown;
      try {
        toIssuerTransaction({ ...base, ...broken });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(broken)).toBeInstanceOf(IssuerError);
      expect((error as IssuerError).kind).toBe("unknown_outcome");
    }
  });

  // Every shape the upstreams have used for the same facts must read the same.
  it("property: amounts, type, status, merchant and time survive every wire shape", () => {
    const type = fc.constantFrom(
      "AUTHORIZATION",
      "REVERSAL",
      "SETTLEMENT DEBIT",
      "SETTLEMENT CREDIT",
      "SETTLEMENT REVERSAL",
      "REFUND",
      "FEE",
      "FUND COLLECTION",
      "ATM DEPOSIT",
      "VALIDATION",
      "CHARGEBACK CREDIT",
    );
    const status = fc.constantFrom("APPROVED", "DECLINED", "PENDING", "REVERSED", "", "WEIRD");
    const minor = fc.bigInt({ min: 0n, max: 10n ** 12n });
    const currency = fc.constantFrom("USD", "SGD", "JPY", "BHD");
    const caseOf = fc.constantFrom(
      (s: string) => s,
      (s: string) => s.toLowerCase(),
      (s: string) => s.replaceAll(" ", "_"),
    );
    fc.assert(
      fc.property(
        type,
        caseOf,
        status,
        minor,
        minor,
        currency,
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.stringMatching(/^\d{4}$/), { nil: undefined }),
        fc.date({ min: new Date("2020-01-01"), max: new Date("2035-01-01"), noInvalidDate: true }),
        (t, shape, s, amount, billing, cur, asNumbers, asArray, mcc, at) => {
          const wire = (m: bigint, c: string) => {
            const text = minorToDecimalString(m, c);
            return asNumbers && m < 2n ** 50n ? Number(text) : text;
          };
          const merchant = mcc
            ? { name: "M", category_code: Number(mcc), city: "", country: "SG" }
            : undefined;
          const at0 = new Date(Math.floor(at.getTime() / 1000) * 1000);
          const got = toIssuerTransaction({
            transaction_id: "t1",
            card_id: "c1",
            transaction_type: shape(t),
            transaction_status: s,
            transaction_amount: wire(amount, cur),
            transaction_currency: cur,
            billing_amount: wire(billing, "USD"),
            billing_currency: "USD",
            transaction_time: at0.toISOString(),
            merchant_data: merchant && asArray ? [merchant] : merchant,
            description: "1000 - x",
          });
          expect(got.amountMinor).toBe(amount);
          expect(got.billingAmountMinor).toBe(billing);
          expect(got.occurredAt.getTime()).toBe(at0.getTime());
          expect(got.type).toBe(transactionType(t));
          expect(got.status === "declined").toBe(s === "DECLINED");
          expect(got.declineReason !== null).toBe(s === "DECLINED");
          if (got.type === "settlement" && s === "APPROVED") expect(got.status).toBe("settled");
          if (mcc) expect(got.merchant).toEqual({ name: "M", mcc, city: null, country: "SG" });
          else expect(got.merchant).toBeNull();
        },
      ),
    );
  });
});
