import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openDatabase } from "./open-database.ts";

it("an in-memory database writes no journal key into CARDRAIL_DATA_DIR", async () => {
  const folder = join(tmpdir(), `cardrail-never-created-${process.pid}-${Date.now()}`);
  const database = await openDatabase(
    {
      DATABASE_URL: undefined,
      DATABASE_POOL_SIZE: 1,
      CARDRAIL_DATA_DIR: folder,
      LEDGER_JOURNAL_KEY: undefined,
      CARDRAIL_KEY_PEPPER: undefined,
    },
    { inMemory: true },
  );
  await database.close();
  expect(existsSync(folder)).toBe(false);
});
