// Compiles the service, the CLI and the simulator to dist/ (plain JavaScript: production needs no
// tsx and no dev dependency at run time). `--if-stale` builds only when a source file is newer than
// the last build, so `npm ci` (prepare) and `npm start` (prestart) stay quick when nothing changed.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const stamp = join(root, "dist", ".build-stamp");
const inputs = ["src", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

if (process.argv.includes("--if-stale") && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (Math.max(...inputs.map((input) => newest(join(root, input)))) <= built) process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  console.error("cannot build: typescript is not installed (run npm ci, with dev dependencies)");
  process.exit(1);
}
process.stderr.write("Building Cardrail (dist/)…\n");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  stdio: "inherit",
});
// SQL migrations are read at run time, beside the compiled migrate.js.
cpSync(join(root, "src/db/migrations"), join(root, "dist/db/migrations"), { recursive: true });
writeFileSync(stamp, `${new Date().toISOString()}\n`);
