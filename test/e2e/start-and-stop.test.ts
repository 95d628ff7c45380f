import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `npm start` as a new user runs it: the compiled service (no tsx), stopped by a signal to the npm
 * process, refusing a taken port before it creates anything, and writing only JSON on stdout.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "cardrail-start-"));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function npmStart(env: Record<string, string>): Started {
  const child = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: "",
      CARDRAIL_DATA_DIR: join(dataDir, "data"),
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(condition: () => boolean, what: string, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start", () => {
  it("on a taken port creates nothing, says which port and how to choose another", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const start = npmStart({ PORT: String(port) });
      expect(await start.exited).not.toBe(0);
      expect(start.stderr()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(start.stderr()).toMatch(/PORT=\d+ npm start/);
      expect(start.stderr()).not.toMatch(/X-Access-Key|at .*\.js:\d+/);
    } finally {
      blocker.close();
    }
  }, 120_000);

  it("then starts, prints the demo keys and where to go, logs only JSON, and stops on SIGTERM to npm", async () => {
    const start = npmStart({ PORT: "0" });
    await until(() => /Cardrail is listening/.test(start.stdout()), "the listening line");
    await until(() => start.stderr().includes("First request"), "the banner");
    // The keys are printed by this start: the refused start before created no tenant.
    expect(start.stderr()).toContain("Demo tenant created");
    const line =
      start
        .stdout()
        .split("\n")
        .find((l) => l.includes("Cardrail is listening")) ?? "";
    const { address, pid, docs } = JSON.parse(line) as {
      address: string;
      pid: number;
      docs: string;
    };
    expect(docs).toBe(`${address}/docs`);
    expect(start.stderr()).toContain(`${address}/docs`);
    expect(start.stderr()).toContain(`${address}/healthz`);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    // Said once (Fastify's own bind line says something else).
    expect(start.stdout().match(/Cardrail is listening/g)).toHaveLength(1);
    // The server is compiled JavaScript, run by node itself: no tsx at run time.
    const command = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").join(" ");
    expect(command).toContain("dist/main.js");
    expect(command).not.toContain("tsx");

    start.child.kill("SIGTERM"); // the npm process, as a terminal's Ctrl-C or a supervisor would
    await start.exited;
    await until(() => !alive(pid), "the server process to exit", 20_000);
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
    for (const logLine of start.stdout().split("\n").filter(Boolean)) {
      expect(() => JSON.parse(logLine), logLine).not.toThrow();
    }
    expect(start.stdout()).toContain('"signal":"SIGTERM"');
  }, 180_000);
});
