import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpeg, script } from "../../test/fixtures/files.ts";
import { type CliResult, type ServiceForCli, startServiceForCli } from "../../test/support/cli.ts";
import type { Runtime } from "../runtime.ts";

/** `cardholders import` against a running service, as an operator runs it while `npm start` is up. */

let service: ServiceForCli;
let cli: (...args: string[]) => Promise<CliResult>;
let runtime: Runtime;
let dataDir: string;

beforeAll(async () => {
  service = await startServiceForCli("cardrail-import-");
  ({ cli, runtime, dataDir } = service);
});

afterAll(() => service?.close());

describe("cardholders import", () => {
  it("creates one cardholder per valid row, names the fields of the bad ones, and is harmless to rerun", async () => {
    const tenant = (await cli("tenants", "create", "--name", "Importer", "--json")).json() as {
      tenantId: string;
      apiKey: string;
      accessKey: string;
    };
    const folder = join(dataDir, "batch");
    await mkdir(join(folder, "docs"), { recursive: true });
    await writeFile(join(folder, "docs", "asha.jpg"), jpeg());
    await writeFile(join(folder, "docs", "ravi.jpg"), jpeg(900));
    await writeFile(join(folder, "docs", "fake.jpg"), script());
    const csv = [
      "email,firstName,lastName,country,mobile,kycDocType,kycIdNumber,docFront,kycExpiryDate",
      "asha.import@example.com,Asha,Rao,IN,9800000001,passport,P1000001,docs/asha.jpg,2031-01-01",
      "ravi.import@example.com,Ravi,Iyer,IN,9800000002,passport,P1000002,docs/ravi.jpg,",
      "bad.import@example.com,B4d,Name,XX,9800000003,passport,P1000003,docs/fake.jpg,",
      "",
    ].join("\n");
    await writeFile(join(folder, "people.csv"), csv);

    const first = await cli(
      "cardholders",
      "import",
      "--tenant",
      tenant.tenantId,
      "--csv",
      join(folder, "people.csv"),
      "--json",
    );
    expect(first.code, first.stderr).toBe(3);
    const report = first.json();
    expect(report).toMatchObject({
      tenantId: tenant.tenantId,
      mode: "test",
      created: 2,
      failed: 1,
    });
    expect(report.rows[0]).toMatchObject({
      row: 2,
      email: "asha.import@example.com",
      status: "IN_REVIEW",
    });
    expect(report.rows[0].holderId).toMatch(/^ch_/);
    expect(report.rows[2].error).toMatch(/firstName/);
    expect(report.rows[2].error).toMatch(/country/);
    expect(report.rows[2].error).toMatch(/docFront/);

    const rows = await runtime.database.db
      .selectFrom("cardholders")
      .select("id")
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(rows).toHaveLength(2);
    const documents = await runtime.database.db
      .selectFrom("kyc_documents")
      .select("id")
      .where("tenant_id", "=", tenant.tenantId)
      .execute();
    expect(documents).toHaveLength(2);

    // The review finishes (a status read asks the issuer while the holder is in review).
    // Bounded by count, not a timing assertion: a loaded machine takes longer.
    for (let i = 0; i < 300; i++) {
      const status = await fetch(
        `${service.url}/api/v1/cardholders/${report.rows[0].holderId}/status`,
        { headers: { "x-api-key": tenant.apiKey, "x-access-key": tenant.accessKey } },
      );
      if (((await status.json()) as { status: string }).status !== "IN_REVIEW") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The same file again: nothing new, the same holders reported as already imported.
    const again = await cli(
      "cardholders",
      "import",
      "--tenant",
      tenant.tenantId,
      "--csv",
      join(folder, "people.csv"),
      "--json",
    );
    const second = again.json();
    expect(second).toMatchObject({ created: 0, alreadyImported: 2, failed: 1 });
    // Its status now (the review has finished meanwhile), not the one it had when first imported.
    const current = await runtime.database.db
      .selectFrom("cardholders")
      .select("status")
      .where("id", "=", report.rows[0].holderId)
      .executeTakeFirstOrThrow();
    expect(current.status).toBe("ACTIVE");
    expect(second.rows[0]).toMatchObject({
      holderId: report.rows[0].holderId,
      replayed: true,
      status: current.status,
    });
    expect(
      await runtime.database.db
        .selectFrom("cardholders")
        .select("id")
        .where("tenant_id", "=", tenant.tenantId)
        .execute(),
    ).toHaveLength(2);
  });

  it("refuses an unreadable or malformed CSV with one clear line", async () => {
    const tenant = (await cli("tenants", "create", "--name", "Importer 2", "--json")).json() as {
      tenantId: string;
    };
    const missing = await cli(
      "cardholders",
      "import",
      "--tenant",
      tenant.tenantId,
      "--csv",
      join(dataDir, "nope.csv"),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--csv: cannot read/);
    await writeFile(join(dataDir, "broken.csv"), 'email,firstName\n"unterminated,Asha\n');
    const broken = await cli(
      "cardholders",
      "import",
      "--tenant",
      tenant.tenantId,
      "--csv",
      join(dataDir, "broken.csv"),
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/--csv: not a valid CSV/);
  });
});
