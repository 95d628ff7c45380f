import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseConfig from "dependency-cruiser/config-utl/extract-depcruise-config";
import { describe, expect, it } from "vitest";

/**
 * The layers of src/ hold (the rules and the picture are in .dependency-cruiser.cjs): no cycle,
 * http → modules → core/issuer port, adapters behind the port, the simulator on its own, and no
 * production code importing tests. `npm run layers` prints the same check for a person.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const configFile = join(root, ".dependency-cruiser.cjs");

/** Each violation as "rule: from → to" (a cycle names its path), sorted: a readable failure. */
async function violations(baseDir: string): Promise<string[]> {
  const config = await extractDepcruiseConfig(configFile);
  const { output } = await cruise(["src"], {
    ...config.options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  });
  const result = output as ICruiseResult;
  return result.summary.violations
    .map((v) => {
      const to = v.cycle?.length ? v.cycle.map((step) => step.name).join(" → ") : v.to;
      return `${v.rule.name}: ${v.from} → ${to}`;
    })
    .sort();
}

describe("the layers of src/", () => {
  it("hold: no cycle and no import against them", async () => {
    expect(await violations(root)).toEqual([]);
  });

  it("are enforced: each kind of import against them is caught, and the allowed ones are not", async () => {
    // A small tree with the imports this codebase once had, next to imports the layers allow.
    const tree: Record<string, string[]> = {
      // A presenter returns the contract's type: a type-only import of its schemas.ts is allowed.
      "src/modules/cards/present.ts": ["./settle.ts", "type ./schemas.ts"],
      "src/modules/cards/schemas.ts": ["../../http/api-docs.ts"],
      "src/modules/cards/settle.ts": ["./present.ts", "../webhooks/index.ts"],
      "src/modules/webhooks/index.ts": ["./routes.ts"],
      "src/modules/webhooks/routes.ts": ["../../http/api-docs.ts", "./settings.ts", "fastify"],
      "src/modules/cards/verb.ts": ["fastify", "./present.ts", "./schemas.ts"],
      "src/modules/webhooks/settings.ts": ["../../core/retry-schedule.ts"],
      "src/modules/reconcile/reconcile.ts": ["../../issuer/issuers.ts", "../../issuer/port.ts"],
      "src/modules/inbound/routes.ts": ["../../issuer/uqpay/webhook-signature.ts"],
      "src/http/api-docs.ts": ["../core/errors.ts"],
      // A type-only import ties layers together too.
      "src/http/deps.ts": ["type ../issuer/issuers.ts", "../modules/webhooks/settings.ts"],
      "src/config.ts": ["./modules/webhooks/settings.ts", "./core/retry-schedule.ts"],
      "src/core/errors.ts": [],
      "src/core/retry-schedule.ts": [],
      "src/issuer/port.ts": ["../db/schema.ts"],
      "src/db/schema.ts": [],
      "src/issuer/issuers.ts": ["./uqpay/adapter.ts", "../modules/reconcile/reconcile.ts"],
      "src/issuer/uqpay/adapter.ts": ["../../modules/wallet/money.ts", "../port.ts"],
      "src/issuer/uqpay/webhook-signature.ts": ["../../core/errors.ts"],
      "src/modules/wallet/money.ts": [],
      "src/cli/testing.ts": ["../../test/fixtures/database.ts", "../runtime.ts"],
      "src/runtime.ts": ["./issuer/issuers.ts", "./simulator/testkit.ts", "./simulator/app.ts"],
      "src/simulator/app.ts": ["../core/errors.ts"],
      "src/simulator/testkit.ts": ["./app.ts"],
      "src/simulator/cards.test.ts": [
        "../issuer/uqpay/adapter.ts",
        "../../test/fixtures/database.ts",
      ],
      "test/fixtures/database.ts": [],
      "node_modules/fastify/index.js": [],
    };
    const dir = await mkdtemp(join(tmpdir(), "cardrail-layers-"));
    try {
      for (const [file, imports] of Object.entries(tree)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        const lines = imports.map((target, i) =>
          target.startsWith("type ")
            ? `import type * as m${i} from "${target.slice(5)}";`
            : `import * as m${i} from "${target}";`,
        );
        await writeFile(join(dir, file), `${lines.join("\n")}\nexport const here = 1;\n`);
      }
      await writeFile(join(dir, "node_modules/fastify/package.json"), '{"name":"fastify"}');
      expect(await violations(dir)).toEqual(
        [
          "adapters-depend-on-the-port: src/issuer/uqpay/adapter.ts → src/modules/wallet/money.ts",
          "adapters-only-through-composition: src/modules/inbound/routes.ts → src/issuer/uqpay/webhook-signature.ts",
          "foundation-stays-down: src/config.ts → src/modules/webhooks/settings.ts",
          "http-imports-down-only: src/http/deps.ts → src/issuer/issuers.ts",
          "http-imports-down-only: src/modules/inbound/routes.ts → src/issuer/uqpay/webhook-signature.ts",
          "modules-have-no-http: src/modules/cards/verb.ts → node_modules/fastify/index.js",
          "modules-have-no-http: src/modules/webhooks/index.ts → src/modules/webhooks/routes.ts",
          "modules-take-only-types-from-schemas: src/modules/cards/verb.ts → src/modules/cards/schemas.ts",
          "modules-import-down-only: src/modules/inbound/routes.ts → src/issuer/uqpay/webhook-signature.ts",
          "modules-import-down-only: src/modules/reconcile/reconcile.ts → src/issuer/issuers.ts",
          "no-cycles: src/issuer/issuers.ts → src/modules/reconcile/reconcile.ts → src/issuer/issuers.ts",
          "no-cycles: src/modules/cards/present.ts → src/modules/cards/settle.ts → src/modules/cards/present.ts",
          "production-imports-no-tests: src/runtime.ts → src/simulator/testkit.ts",
          "simulator-is-self-contained: src/simulator/app.ts → src/core/errors.ts",
          "src-imports-no-test-folder: src/cli/testing.ts → test/fixtures/database.ts",
        ].sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
