import { z } from "zod";
import { example } from "../../http/api-docs.ts";

/** The issuer webhook route's schemas (for the issuer, not part of the tenant API). */

export const modeParams = z.object({ mode: z.enum(["test", "live"]) });

export const receivedSchema = example(
  z.object({ received: z.boolean(), result: z.unknown() }),
  "Recorded (a repeated event is acknowledged again)",
  { received: true, result: "applied" },
);
