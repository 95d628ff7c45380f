import type { Command } from "commander";
import {
  addProduct,
  type CardProduct,
  listProducts,
  setProductEnabled,
} from "../modules/products/catalogue.ts";
import type { CliSession } from "./context.ts";
import { emit, isoOrNull, type JsonOption, lines, table, withJson } from "./io.ts";
import { type ModeOption, modeOf, parseList, requireNonEmpty } from "./options.ts";

const view = (p: CardProduct) => ({
  id: p.id,
  mode: p.mode,
  name: p.name,
  issuer: p.issuer,
  issuerProductId: p.issuerProductId,
  currencies: p.currencies,
  enabled: p.enabled,
  createdAt: isoOrNull(p.createdAt),
});

const describe = (p: ReturnType<typeof view>) =>
  lines([
    ["id", p.id],
    ["mode", p.mode],
    ["name", p.name],
    ["issuer", p.issuer],
    ["issuerProductId", p.issuerProductId],
    ["currencies", p.currencies.join(",")],
    ["enabled", String(p.enabled)],
  ]);

export function productsCommands(program: Command, cli: CliSession): void {
  const products = program
    .command("products")
    .description("manage the card product catalogue (our product id → issuer product, currencies)");

  withJson(
    products
      .command("list")
      .description("list card products (test mode unless --live)")
      .option("--live", "list live-mode products"),
  ).action((options: ModeOption & JsonOption) =>
    cli.withDatabase(async ({ db }) => {
      const mode = modeOf(options);
      const rows = (await listProducts(db, mode)).map(view);
      emit(cli.io, options, { mode, products: rows }, () =>
        rows.length === 0
          ? `No ${mode}-mode card products.`
          : table(
              ["ID", "NAME", "ISSUER PRODUCT", "CURRENCIES", "ENABLED"],
              rows.map((p) => [
                p.id,
                p.name,
                p.issuerProductId,
                p.currencies.join(","),
                p.enabled ? "yes" : "no",
              ]),
            ),
      );
    }),
  );

  withJson(
    products
      .command("add")
      .description("add a card product (test mode unless --live)")
      .requiredOption("--id <id>", "our product id, used as card_product_id in the API")
      .requiredOption("--name <name>", "a display name")
      .requiredOption("--issuer-product-id <uuid>", "the upstream issuer's product id (UUID)")
      .requiredOption("--currencies <list>", "comma-separated ISO 4217 codes offered, e.g. USD,SGD")
      .option("--live", "add to the live-mode catalogue"),
  ).action(
    (
      options: {
        id: string;
        name: string;
        issuerProductId: string;
        currencies: string;
      } & ModeOption &
        JsonOption,
    ) =>
      cli.withDatabase(async ({ db }) => {
        const product = view(
          await addProduct(db, {
            mode: modeOf(options),
            id: options.id,
            name: options.name,
            issuerProductId: options.issuerProductId,
            currencies: parseList(options.currencies),
          }),
        );
        emit(cli.io, options, product, () => `Card product added:\n${describe(product)}`);
      }),
  );

  for (const [name, enabled] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    withJson(
      products
        .command(name)
        .description(
          enabled
            ? "enable a card product again (test mode unless --live)"
            : "disable a card product: new cards on it are refused, issued cards are unaffected (test mode unless --live)",
        )
        .requiredOption("--id <id>", "our product id")
        .option("--live", "a live-mode product"),
    ).action((options: { id: string } & ModeOption & JsonOption) =>
      cli.withDatabase(async ({ db }) => {
        const id = requireNonEmpty(options.id, "--id");
        const { product, changed } = await setProductEnabled(db, modeOf(options), id, enabled);
        const shown = view(product);
        emit(cli.io, options, { ...shown, changed }, () =>
          changed
            ? `Card product ${id} (${shown.mode}) ${enabled ? "enabled" : "disabled"}.`
            : `Card product ${id} (${shown.mode}) was already ${enabled ? "enabled" : "disabled"}; nothing changed.`,
        );
      }),
    );
  }
}
