/**
 * The layers of src/, checked by test/architecture/layers.test.ts (and `npm run layers`).
 *
 *   composition  main.ts, runtime.ts, open-database.ts, start-banner.ts, cli/, jobs/,
 *                issuer/issuers.ts (which adapter serves which tenant), test-issuer/
 *   http         http/, app.ts, modules/<name>/routes.ts and schemas.ts
 *   modules      modules/<name>/* (verbs, repositories, presenters): no HTTP inside, but the
 *                TYPES of their module's contract (`import type` from its schemas.ts)
 *   foundation   core/, db/ (pool, schema, migrations), config.ts, logger.ts, issuer/port.ts (and
 *                issuer/port-card-program.ts, the port's card-program half, which it re-exports)
 *   adapters     issuer/<name>/ (UQPay): implement the port, reached only through composition
 *   simulator    simulator/: its own app, imports nothing from Cardrail
 *
 * Each layer imports only the ones below it; tests (`*.test.ts`, `testing.ts`, `testkit.ts`,
 * `testing/`) may import anything, production code never imports them. No cycles anywhere.
 */

const TEST = "(\\.test\\.ts$|/testing\\.ts$|/testkit\\.ts$|/testing/)";
const FOUNDATION = "^src/(core/|db/|config\\.ts$|logger\\.ts$|issuer/port(-card-program)?\\.ts$)";
const MODULE = "^src/modules/[^/]+/";
// A module's routes.ts and the schemas.ts of its HTTP contract are the HTTP layer.
const ROUTES = "^src/modules/[^/]+/(routes|schemas)\\.ts$";
const SCHEMAS = "^src/modules/[^/]+/schemas\\.ts$";
const HTTP = "^src/(http/|app\\.ts$)";
const ADAPTER = "^src/issuer/(?!port\\.ts$|issuers\\.ts$)[^/]+/";
const COMPOSITION =
  "^src/(main\\.ts|runtime\\.ts|open-database\\.ts|start-banner\\.ts|cli/|jobs/|issuer/issuers\\.ts|test-issuer/)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "A cycle makes two files one: neither can be understood, tested or moved alone.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "src-imports-no-test-folder",
      comment:
        "Nothing under src/ but its colocated *.test.ts files imports test/: test support lives in test/support/.",
      severity: "error",
      from: { path: "^src/", pathNot: "\\.test\\.ts$" },
      to: { path: "^test/" },
    },
    {
      name: "production-imports-no-tests",
      comment:
        "Production code never depends on tests or test support (test/, *.test.ts, testing.ts, testkit.ts, testing/): they are not built into dist/.",
      severity: "error",
      from: { path: "^src/", pathNot: TEST },
      to: { path: TEST },
    },
    {
      name: "foundation-stays-down",
      comment:
        "core, db, config, logger and the issuer port are what everything else stands on: they import only each other.",
      severity: "error",
      from: { path: FOUNDATION, pathNot: TEST },
      to: { path: "^src/", pathNot: [FOUNDATION, TEST] },
    },
    {
      name: "modules-have-no-http",
      comment:
        "A module's verbs, repositories and presenters know nothing of HTTP: only its routes.ts is the HTTP layer.",
      severity: "error",
      from: { path: MODULE, pathNot: [ROUTES, TEST] },
      to: {
        path: [HTTP, ROUTES, "^node_modules/(fastify|@fastify/[^/]+|fastify-[^/]+)/"],
        // Except the contract's types: see modules-take-only-types-from-schemas.
        pathNot: SCHEMAS,
      },
    },
    {
      name: "modules-take-only-types-from-schemas",
      comment:
        "A presenter or verb returns what the contract says (`CardView = z.output<typeof cardSchema>`), so it may `import type` from a schemas.ts; a value import would run HTTP schemas (zod, examples, api-docs) inside a verb.",
      severity: "error",
      from: { path: MODULE, pathNot: [ROUTES, TEST] },
      to: { path: SCHEMAS, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "modules-import-down-only",
      comment:
        "Modules use each other and the foundation; composition, jobs, the CLI and adapters call them, never the reverse.",
      severity: "error",
      from: { path: MODULE, pathNot: TEST },
      to: { path: "^src/", pathNot: [FOUNDATION, MODULE, HTTP, TEST] },
    },
    {
      name: "http-imports-down-only",
      comment:
        "The HTTP layer serves modules; it is wired by composition and never reaches into it or into an adapter.",
      severity: "error",
      from: { path: [HTTP, ROUTES], pathNot: TEST },
      to: { path: [COMPOSITION, ADAPTER] },
    },
    {
      name: "adapters-depend-on-the-port",
      comment:
        "An issuer adapter implements the port with the foundation's help; it never reaches into modules, HTTP or composition.",
      severity: "error",
      from: { path: ADAPTER, pathNot: TEST },
      to: { path: "^src/", pathNot: ["^src/(core/|issuer/port\\.ts$)", ADAPTER, TEST] },
    },
    {
      name: "adapters-only-through-composition",
      comment:
        "Only composition chooses an adapter; everything else speaks to the issuer port, so a second issuer is a new adapter, not a rewrite.",
      severity: "error",
      from: { path: "^src/", pathNot: [ADAPTER, COMPOSITION, TEST] },
      to: { path: ADAPTER },
    },
    {
      name: "simulator-is-self-contained",
      comment:
        "The simulator is the UQPay sandbox as its own app: it imports nothing from Cardrail.",
      severity: "error",
      from: { path: "^src/simulator/", pathNot: TEST },
      to: { path: "^src/", pathNot: "^src/simulator/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.json$" },
    // Type-only imports are dependencies too: a type from another layer ties the layers together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
