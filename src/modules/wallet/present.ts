import { minorToNumber } from "../../core/money.ts";
import type { Mode } from "../../db/schema.ts";
import type { WalletBalance } from "./ledger.ts";
import type { WalletView } from "./schemas.ts";

/** The wallet as the API shows it: each balance in major units of its currency. */
export const presentWallet = (mode: Mode, balances: WalletBalance[]): WalletView => ({
  success: true,
  mode,
  balances: balances.map((b) => ({
    currency: b.currency,
    balance: minorToNumber(b.balance, b.currency),
  })),
});
