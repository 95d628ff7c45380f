import { describe, expect, it } from "vitest";
import { parseUqpayEvent } from "./inbound-events.ts";
import { maskPan } from "./mask.ts";

describe("one masked form for card numbers", () => {
  it("gives the card API's and the webhook's forms the same string", () => {
    expect(maskPan("************8664")).toBe("************8664");
    expect(maskPan("40963608****8664")).toBe("************8664");
    expect(maskPan("4096360812348664")).toBe("************8664");
  });

  it("masks a webhook's number before it reaches the port", () => {
    const event = parseUqpayEvent({
      version: "V1.6.0",
      event_name: "ISSUING",
      event_type: "card.create.succeeded",
      event_id: "e1",
      source_id: "s1",
      data: { card_id: "c1", card_status: "ACTIVE", card_number: "40963608****8664" },
    });
    expect(event).toMatchObject({ maskedNumber: "************8664" });
  });
});
