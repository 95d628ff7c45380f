import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acquireFolderLock, FolderBusyError } from "./folder-lock.ts";

vi.setConfig({ testTimeout: 120_000 });

/**
 * One owner per data folder: taken atomically, released only by its owner, and freed by the
 * kernel when the owner dies, so a crashed service never blocks the next start.
 */

const helper = fileURLToPath(new URL("./testing/hold-folder-lock.ts", import.meta.url));
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cardrail-lock-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe("the data folder lock", () => {
  it("has one owner; a refused starter takes nothing away from it; the owner's release frees it", async () => {
    const dataDir = join(scratch, "in-process");
    const owner = await acquireFolderLock(dataDir);
    await expect(acquireFolderLock(dataDir)).rejects.toBeInstanceOf(FolderBusyError);
    // The refused attempt (and its failure handling) left the owner's lock in place.
    await expect(acquireFolderLock(dataDir)).rejects.toBeInstanceOf(FolderBusyError);
    await owner.release();
    await owner.release(); // idempotent: a second release frees nothing it does not hold
    const next = await acquireFolderLock(dataDir);
    await expect(acquireFolderLock(dataDir)).rejects.toBeInstanceOf(FolderBusyError);
    await next.release();
    // The only file it keeps is the lock's random name, private to the folder's user.
    expect(await readdir(dataDir)).toEqual(["lock.id"]);
  });

  it("lets exactly one of several processes starting together own it, and frees it when the owner is SIGKILLed", async () => {
    const dataDir = join(scratch, "raced");
    const children: ChildProcess[] = [];
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ["--import", "tsx", helper, dataDir], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        children.push(child);
        return new Promise<{ child: ChildProcess; answer: string }>((resolve) => {
          let out = "";
          child.stdout?.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (out.includes("\n")) resolve({ child, answer: out.trim() });
          });
        });
      }),
    );
    try {
      const owners = answers.filter((a) => a.answer === "owner");
      expect(answers.map((a) => a.answer).sort()).toEqual(["busy", "busy", "busy", "owner"]);
      await expect(acquireFolderLock(dataDir)).rejects.toBeInstanceOf(FolderBusyError);

      const owner = owners[0]?.child;
      const exited = new Promise((resolve) => owner?.once("exit", resolve));
      owner?.kill("SIGKILL"); // no shutdown code runs: only the kernel can free the lock
      await exited;
      const successor = await acquireFolderLock(dataDir, { waitMs: 5_000 });
      await successor.release();
    } finally {
      for (const child of children) child.kill("SIGKILL");
    }
  });
});
