import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Each test file gets its own database (see test/fixtures/database.ts), so files run in parallel forks.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    pool: "forks",
    // At least two files at a time: the default (one fewer than the cores) runs them one by one on
    // a 2-core machine, while most of a file's time is waiting (database, sockets, simulator delays).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    // Generous: each file starts a real service (and PGlite); a loaded 2-core machine needs the room.
    hookTimeout: 180_000,
  },
});
