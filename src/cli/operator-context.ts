import { type Config, coreSettings } from "../config.ts";
import { contextFor, type TenantContext } from "../core/context.ts";
import type { DocumentVault } from "../core/document-vault.ts";
import type { Db } from "../db/pool.ts";
import type { Mode } from "../db/schema.ts";
import { createIssuers } from "../issuer/issuers.ts";
import { createLogger } from "../logger.ts";
import { openDocumentVault } from "../modules/documents/vault.ts";
import { CliError } from "./io.ts";
import { cliTestUpstream } from "./test-upstream.ts";

/**
 * How much a command needs the tenant's issuer: `required` (it moves money or changes a card),
 * `optional` (a lookup that refreshes a card still being issued when it can), `none` (reads only
 * the database: works with no service running and no simulator published).
 */
export type IssuerNeed = "required" | "optional" | "none";

/**
 * For commands that touch no KYC document: opening the real vault would create the documents key
 * in CARDRAIL_DATA_DIR on an operator's machine that only reaches a DATABASE_URL.
 */
const noDocuments: DocumentVault = {
  key: Buffer.alloc(0),
  store: {
    put: () => Promise.reject(new Error("this command opened no document vault")),
    get: () => Promise.reject(new Error("this command opened no document vault")),
    delete: () => Promise.reject(new Error("this command opened no document vault")),
  },
};

/**
 * The verbs' context for the operator at the CLI: the same `contextFor` as the API's, with the
 * tenant's issuer in that mode (and the document vault when the command handles documents). A
 * required issuer that is missing is one clear line, before any verb runs.
 */
export async function operatorContext(
  { config, db }: { config: Config; db: Db },
  scope: { tenantId: string; mode: Mode },
  need: { issuer: IssuerNeed; documents?: boolean },
): Promise<TenantContext> {
  const log = createLogger("silent");
  const issuerFor =
    need.issuer === "none"
      ? () => null
      : createIssuers(config, log, db, await cliTestUpstream(config, db));
  if (need.issuer === "required" && !issuerFor(scope.mode, scope.tenantId)) {
    throw new CliError(
      scope.mode === "test"
        ? "no test-mode issuer: start the service (its simulator is used) or set SIMULATOR_URL"
        : "no live issuer: set UQPAY_CLIENT_ID and UQPAY_API_KEY",
    );
  }
  return contextFor(
    {
      db,
      issuerFor,
      vault: need.documents ? await openDocumentVault(config) : noDocuments,
      settings: coreSettings(config),
    },
    { ...scope, actor: { kind: "operator" }, log },
  );
}
