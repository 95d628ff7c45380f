import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "./ids.ts";
import { decodeCursor, encodeCursor, pageOf } from "./page.ts";

const CARD_ID = /^card_[0-9a-z]{26}$/;

describe("cursors", () => {
  it("give back the id they were made from, for every id", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), () => {
        const id = newId("card");
        expect(decodeCursor(encodeCursor(id), CARD_ID)).toBe(id);
      }),
    );
  });

  it("refuse any text that is not a cursor of the list, never throwing", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const id = decodeCursor(text, CARD_ID);
        expect(id === null || CARD_ID.test(id)).toBe(true);
      }),
    );
    expect(decodeCursor(encodeCursor(newId("ch")), CARD_ID)).toBeNull();
    expect(decodeCursor(encodeCursor("card_x' OR 1=1"), CARD_ID)).toBeNull();
    expect(
      decodeCursor(Buffer.from(`c1:${newId("card")}:x`).toString("base64url"), CARD_ID),
    ).toBeNull();
    expect(decodeCursor("", CARD_ID)).toBeNull();
  });
});

it("a page holds at most limit items and says whether more exist", () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 1, max: 20 }),
      (rows, limit) => {
        const page = pageOf(rows, limit);
        expect(page.items).toEqual(rows.slice(0, limit));
        expect(page.hasMore).toBe(rows.length > limit);
      },
    ),
  );
});
