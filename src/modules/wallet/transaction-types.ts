import type { LedgerTransactionKind } from "../../db/schema.ts";

/**
 * How each ledger movement that touches the wallet is named to the tenant (the others move money
 * between in-flight and on-card, and are not the wallet's). Its own file: the wallet's schemas and
 * its transactions list both need it.
 */
export const WALLET_TYPES = {
  funding: "funding",
  card_debit: "card_issue",
  card_refund: "card_refund",
  top_up_debit: "top_up",
  top_up_refund: "top_up_refund",
  card_withdrawal: "withdrawal",
  card_return: "card_return",
} as const satisfies Partial<Record<LedgerTransactionKind, string>>;

export const WALLET_TRANSACTION_TYPES = [
  "funding",
  "card_issue",
  "card_refund",
  "top_up",
  "top_up_refund",
  "withdrawal",
  "card_return",
] as const satisfies readonly (typeof WALLET_TYPES)[keyof typeof WALLET_TYPES][];
