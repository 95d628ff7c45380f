import { loadDotEnv } from "../config.ts";
import { processIo } from "./io.ts";
import { launch } from "./launch.ts";

/** `npm run cli -- <group> <command> [options]`; exit codes in run.ts. */

let code = 1;
try {
  loadDotEnv();
  code = await launch(process.argv.slice(2), processIo(), process.env);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
}
// Exit explicitly: a pool or socket left half-open by a failure must not keep the CLI hanging.
// (stdout/stderr to pipes and files are synchronous on Linux, so nothing written is lost.)
process.exit(code);
