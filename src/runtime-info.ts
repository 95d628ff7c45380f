import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

/**
 * What a running service tells other local processes (the operator CLI): where its in-process
 * test-mode simulator listens, since that port is chosen at start. Written to the data folder.
 */
interface RuntimeInfo {
  pid: number;
  simulatorUrl: string;
}

const infoPath = (dataDir: string) => join(resolve(dataDir), "runtime.json");

export async function publishRuntimeInfo(
  dataDir: string,
  simulatorUrl: string,
): Promise<() => Promise<void>> {
  const path = infoPath(dataDir);
  // With DATABASE_URL nothing else may have created the data folder yet.
  await mkdir(resolve(dataDir), { recursive: true });
  await writeFile(path, JSON.stringify({ pid: process.pid, simulatorUrl } satisfies RuntimeInfo), {
    mode: 0o600,
  });
  return () => rm(path, { force: true });
}

/** The running service's simulator URL, or null when no live service published one. */
export async function findRunningSimulator(dataDir: string): Promise<string | null> {
  try {
    const info = JSON.parse(await readFile(infoPath(dataDir), "utf8")) as RuntimeInfo;
    process.kill(info.pid, 0);
    return info.simulatorUrl;
  } catch {
    return null;
  }
}
