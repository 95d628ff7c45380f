import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/**
 * The journal's high-water marks, kept outside the database (CARDRAIL_DATA_DIR/ledger-witness.json,
 * owner-only): for every chain, the last entry a clean reconcile saw. The chain is append-only, so
 * a later journal that no longer holds that entry was cut or rewritten, which the hash chain alone
 * cannot show (a valid prefix is still a valid chain). Marks only ever rise.
 *
 * The limit, honestly: entries appended since the last reconcile are protected by their signatures
 * (no insert, no alteration, no removal in the middle) but not against removal of the whole tail
 * written since; the service reconciles every RECONCILE_INTERVAL_MS, which bounds that window.
 */
export interface WitnessMarks {
  /** When this witness first recorded marks: backfilled entries must predate it. */
  since: string;
  chains: Record<string, { seq: string; hash: string }>;
}

export const witnessFilePath = (dataDir: string) => join(resolve(dataDir), "ledger-witness.json");

export async function readMarks(path: string): Promise<WitnessMarks | null> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as WitnessMarks;
    if (typeof parsed.since !== "string" || typeof parsed.chains !== "object")
      throw new Error(`${path} is not a ledger witness file`);
    return parsed;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Raises the marks of the given chains (never lowers one), re-reading the file just before writing
 * so another process's higher marks survive; written whole to a private name, then renamed.
 */
export async function raiseMarks(
  path: string,
  heads: Map<string, { seq: bigint; hash: string }>,
  now: Date,
): Promise<WitnessMarks> {
  const current = (await readMarks(path)) ?? { since: now.toISOString(), chains: {} };
  for (const [chain, head] of heads) {
    const mark = current.chains[chain];
    if (!mark || BigInt(mark.seq) < head.seq)
      current.chains[chain] = { seq: head.seq.toString(), hash: head.hash };
  }
  await mkdir(dirname(path), { recursive: true });
  const staging = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(staging, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(staging, path);
  return current;
}
