import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config.ts";
import { errorStatus } from "../../src/http/error-status.ts";

/**
 * The docs a user reads in a fresh clone must be true: every relative link resolves inside the
 * repository, every error code is in the README's error table with its status, and every setting
 * is documented in the configuration table and in .env.example.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

async function markdownFiles(): Promise<string[]> {
  const files = ["README.md", "SECURITY.md", "packages/sdk/README.md", "src/simulator/FIDELITY.md"];
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

describe("docs are true in a fresh clone", () => {
  it("every relative link resolves to a file inside the repository", async () => {
    const broken: string[] = [];
    for (const file of await markdownFiles()) {
      const text = await read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        const path = resolve(root, dirname(file), decodeURIComponent(target.split("#")[0] ?? ""));
        const inside = path.startsWith(root);
        if (!inside || !(await stat(path).catch(() => null))) broken.push(`${file}: ${target}`);
      }
      // The team's notes beside the repository are not in a clone: no doc may send a reader there.
      for (const [mention] of text.matchAll(/(?:\.\.\/)*shared\/[\w./-]+\.md/g)) {
        broken.push(`${file}: ${mention}`);
      }
      for (const [, anchor] of text.matchAll(/\]\(#([^)]+)\)/g)) {
        const headings = [...text.matchAll(/^#+ (.+)$/gm)].map(([, h]) =>
          (h ?? "")
            .toLowerCase()
            .replace(/[^\w\s-]/g, "")
            .trim()
            .replace(/\s/g, "-"),
        );
        if (anchor && !headings.includes(anchor)) broken.push(`${file}: #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("the README's error table lists every error code with its status", async () => {
    const readme = await read("README.md");
    const missing = Object.entries(errorStatus)
      .filter(([code, status]) => !readme.includes(`| ${status} | \`${code}\` |`))
      .map(([code, status]) => `${status} ${code}`);
    expect(missing).toEqual([]);
  });

  it("every setting is in the configuration table and in .env.example", async () => {
    const docs = (await Promise.all((await markdownFiles()).map(read))).join("\n");
    const example = await read(".env.example");
    const keys = Object.keys(configSchema.shape);
    expect(keys.filter((key) => !docs.includes(`\`${key}\``))).toEqual([]);
    expect(keys.filter((key) => !new RegExp(`^#? ?${key}=`, "m").test(example))).toEqual([]);
  });
});
