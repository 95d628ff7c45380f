import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDatabaseUrl } from "../../test/fixtures/database.ts";
import { type OpenDatabase, openDatabase } from "../open-database.ts";
import { constraintViolation, isDatabaseError } from "./constraint.ts";

/** Constraint errors read the same from either driver (pg against PostgreSQL, PGlite in-process). */

let database: OpenDatabase;
let drop: () => Promise<void>;
beforeAll(async () => {
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase(
    { DATABASE_URL: fresh.url, DATABASE_POOL_SIZE: 2, CARDRAIL_DATA_DIR: "unused" },
    { inMemory: !fresh.url },
  );
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const failure = (statement: Promise<unknown>) =>
  statement.then(
    () => null,
    (error: unknown) => error,
  );

it("names the SQLSTATE and the constraint of a unique and a check violation", async () => {
  await sql`CREATE TABLE constraint_probe (id int PRIMARY KEY, n int CONSTRAINT n_positive CHECK (n > 0))`.execute(
    database.db,
  );
  await sql`INSERT INTO constraint_probe VALUES (1, 1)`.execute(database.db);
  const duplicate = await failure(
    sql`INSERT INTO constraint_probe VALUES (1, 1)`.execute(database.db),
  );
  expect(constraintViolation(duplicate)).toEqual({
    code: "23505",
    constraint: "constraint_probe_pkey",
  });
  const negative = await failure(
    sql`INSERT INTO constraint_probe VALUES (2, -1)`.execute(database.db),
  );
  expect(constraintViolation(negative)).toEqual({ code: "23514", constraint: "n_positive" });
  expect(isDatabaseError(negative)).toBe(true);

  const syntax = await failure(sql`SELEC 1`.execute(database.db));
  expect(isDatabaseError(syntax)).toBe(true);
  expect(constraintViolation(syntax)).toBeNull();
  expect(constraintViolation(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBeNull();
});
