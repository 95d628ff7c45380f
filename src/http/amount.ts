import { z } from "zod";

/** The largest amount we accept on the wire: far above any real prepaid card, far below 2^53 minor units. */
export const MAX_AMOUNT_MAJOR = 1_000_000;

/**
 * A positive decimal amount in major units (`10.5`, never `"10.5"`), as every money field of the
 * API takes it. Whether it has too many decimals depends on the currency: the verb's currency
 * check (decimalToMinor) names the field then.
 */
export const majorAmount = () =>
  z
    .number({
      error: (issue) =>
        issue.input === undefined ? "required" : "must be a number in major units, e.g. 20 or 20.5",
    })
    .positive("must be greater than 0")
    .max(MAX_AMOUNT_MAJOR, `must be at most ${MAX_AMOUNT_MAJOR}`);
