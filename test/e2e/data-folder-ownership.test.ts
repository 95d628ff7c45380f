import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { listeningTcpPorts } from "../fixtures/listeners.ts";
import { type ServiceProcess, startServiceProcess } from "../fixtures/processes.ts";
import { type CliResult, cliRunner, inProcessCli } from "../support/cli.ts";

// Real processes racing for one data folder: each start costs seconds on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

/**
 * The service and several `wallets fund` commands started
 * at the same moment on one embedded data folder. Exactly one process owns the folder at a time,
 * every funding a command reported as applied is there after the service is killed and the
 * folder reopened, and the database never listens on a TCP port. (Embedded by nature: the
 * processes get no DATABASE_URL.)
 */

let scratch: string;
let dataDir: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cardrail-owner-"));
  dataDir = join(scratch, "data");
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

it("the service and CLI commands started together: one owner at a time, no funding lost, no database port", async () => {
  const env = { CARDRAIL_DATA_DIR: dataDir, DATABASE_URL: "" };
  const local = inProcessCli({ CARDRAIL_DATA_DIR: dataDir }, scratch);
  const created = await local(["tenants", "create", "--name", "Race", "--json"]);
  expect(created.code, created.stderr).toBe(0);
  const { tenantId } = created.json();

  const cli = cliRunner({ CARDRAIL_DATA_DIR: dataDir }, scratch);
  const fund = (i: number) =>
    cli(
      "wallets",
      "fund",
      "--tenant",
      tenantId,
      "--currency",
      "USD",
      "--amount",
      "1.00",
      "--reference",
      `race-${i}`,
      "--json",
    );
  const started = startServiceProcess(env).then(
    (service) => ({ service, error: null }),
    (error: Error) => ({ service: null, error }),
  );
  const commands: Promise<CliResult>[] = [0, 1, 2].map(fund);
  const [outcome, ...results] = await Promise.all([started, ...commands]);
  let service: ServiceProcess | null = outcome.service;
  try {
    // Either the service started, or it refused clearly because a command held the folder too long.
    if (!service) expect(outcome.error?.message).toMatch(/in use by another Cardrail process/);
    // A command may lose the race only with a clear message, never with a corrupt database.
    for (const result of results) {
      if (result.code !== 0) expect(result.stderr).toMatch(/in use by another process/);
    }
    const applied = results.filter((r) => r.code === 0 && r.json().applied === true).length;
    expect(applied).toBeGreaterThan(0);

    if (service?.child.pid) {
      // A command run now goes through the service; and the service listens on no database port.
      const late = await fund(3);
      expect(late.code, late.stderr).toBe(0);
      expect(late.json().applied).toBe(true);
      // Two ports: the API's, and the test-mode simulator's (its admin API answers 401 without
      // its token: it is the simulator, not a database).
      const http = Number(new URL(service.url).port);
      const ports = await listeningTcpPorts(service.child.pid);
      expect(ports).toHaveLength(2);
      expect(ports).toContain(http);
      const other = ports.find((port) => port !== http);
      expect((await fetch(`http://127.0.0.1:${other}/__sim/faults`)).status).toBe(401);
      await service.kill(); // SIGKILL: no shutdown code, the kernel frees the folder
      service = null;
    }

    // Whoever opens the folder next (here this process) takes over and finds every funding.
    const expected = applied + (outcome.service ? 1 : 0);
    const shown = await local(["wallets", "show", "--tenant", tenantId, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json().wallets).toEqual([{ mode: "test", currency: "USD", balance: expected }]);
    const reconciled = await local(["reconcile", "--json"]);
    expect(reconciled.json().ledger).toEqual([]);
  } finally {
    await service?.kill();
  }
});
