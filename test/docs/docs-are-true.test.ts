import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config.ts";
import { errorStatus } from "../../src/http/error-status.ts";

/**
 * The docs a user reads in a fresh clone must be true: every relative link (and its anchor)
 * resolves inside the repository, every repository path a doc names exists, the API reference's
 * error table lists exactly the error codes with their statuses, and the configuration table lists
 * exactly the settings, each also in .env.example.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Where the error table and the configuration table live. */
const ERROR_TABLE = "docs/api.md";
const CONFIG_TABLE = "docs/configuration.md";

async function markdownFiles(): Promise<string[]> {
  const files = [
    "README.md",
    "ARCHITECTURE.md",
    "SECURITY.md",
    "packages/sdk/README.md",
    "src/simulator/FIDELITY.md",
  ];
  for (const folder of ["docs", "docs/adr"]) {
    try {
      for (const name of await readdir(join(root, folder))) {
        if (name.endsWith(".md")) files.push(`${folder}/${name}`);
      }
    } catch {
      // the folder does not exist (yet)
    }
  }
  const present: string[] = [];
  for (const file of files) {
    if (await stat(join(root, file)).catch(() => null)) present.push(file);
  }
  return present;
}

const read = (file: string) => readFile(join(root, file), "utf8");

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
const anchorsOf = (text: string) =>
  // A `# comment` inside a fenced code block is not a heading.
  [...text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").matchAll(/^#+ (.+)$/gm)].map(([, h]) =>
    (h ?? "")
      .toLowerCase()
      .replace(/[^\w\s-]/g, "")
      .trim()
      .replace(/\s/g, "-"),
  );

/** The rows of the markdown table(s) in `text`, each as its cells. */
const tableRows = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );

describe("docs are true in a fresh clone", () => {
  it("every relative link resolves to a file inside the repository, anchors included", async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const [pathPart = "", anchor] = target.split("#");
        const path = pathPart
          ? resolve(root, dirname(file), decodeURIComponent(pathPart))
          : join(root, file);
        const inside = path.startsWith(root);
        if (!inside || !(await stat(path).catch(() => null))) {
          broken.push(`${file}: ${target}`);
          continue;
        }
        if (anchor !== undefined) {
          const anchors = path.endsWith(".md") ? anchorsOf(await readFile(path, "utf8")) : [];
          if (!anchors.includes(anchor)) broken.push(`${file}: ${target} (no such heading)`);
        }
      }
      // The team's notes beside the repository are not in a clone: no doc may send a reader there.
      for (const [mention] of text.matchAll(/(?:\.\.\/)*shared\/[\w./-]+\.md/g)) {
        broken.push(`${file}: ${mention}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every repository path a doc names exists", async () => {
    const missing: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await read(file);
      // In code spans only, where the docs name files: `src/…`, `test/…`, `docs/…` and the like.
      for (const [, span] of text.matchAll(/`([^`\n]+)`/g)) {
        for (const [path] of (span ?? "").matchAll(
          /(?<![\w./:-])(?:src|test|docs|scripts|bench|packages)\/[\w./-]*[\w/]/g,
        )) {
          // From the repository's root, or (a package's own README) from the doc's folder.
          const found =
            (await stat(join(root, path)).catch(() => null)) ??
            (await stat(join(root, dirname(file), path)).catch(() => null));
          if (!found) missing.push(`${file}: ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it(`the error table (${ERROR_TABLE}) lists exactly the error codes, each with its status`, async () => {
    const rows = tableRows(await read(ERROR_TABLE))
      .filter(([status, code]) => /^\d{3}$/.test(status ?? "") && /^`\w+`$/.test(code ?? ""))
      .map(([status, code]) => `${status} ${code?.slice(1, -1)}`);
    const expected = Object.entries(errorStatus).map(([code, status]) => `${status} ${code}`);
    expect(rows.filter((row) => !expected.includes(row))).toEqual([]);
    expect(expected.filter((row) => !rows.includes(row))).toEqual([]);
    expect(rows.length).toBe(new Set(rows).size);
  });

  it(`every setting is in the configuration table (${CONFIG_TABLE}) and in .env.example`, async () => {
    const documented = new Set(
      tableRows(await read(CONFIG_TABLE)).flatMap(([first]) =>
        [...(first ?? "").matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map(([, key]) => key),
      ),
    );
    const example = await read(".env.example");
    const keys = Object.keys(configSchema.shape);
    expect(keys.filter((key) => !documented.has(key))).toEqual([]);
    expect([...documented].filter((key) => key && !keys.includes(key))).toEqual([]);
    expect(keys.filter((key) => !new RegExp(`^#? ?${key}=`, "m").test(example))).toEqual([]);
  });
});
