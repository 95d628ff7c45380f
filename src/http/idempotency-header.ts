import { z } from "zod";

/** The optional `Idempotency-Key` header of creating endpoints (POST /cards, POST /cardholders). */
export const idempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1-255 printable ASCII characters")
    .optional(),
});
