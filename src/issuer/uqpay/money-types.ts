import { z } from "zod";
import { amount, type PageParams } from "./types.ts";

/** Wire shapes of UQPay's money endpoints: balances, card transactions, simulations, transfers, reports (same tolerance as types.ts). */

const str = z.string().nullish();

// ---- balances ----
export const balance = z.object({
  balance_id: str,
  currency: z.string(),
  available_balance: amount,
  margin_balance: amount.nullish(),
  frozen_balance: amount.nullish(),
  create_time: str,
  last_trade_time: str,
  balance_status: str,
});
export type Balance = z.output<typeof balance>;

export const balanceTransaction = z.object({
  transaction_id: z.string().min(1),
  short_transaction_id: str,
  account_id: str,
  balance_id: str,
  transaction_type: str,
  currency: str,
  amount: amount.nullish(),
  create_time: str,
  complete_time: str,
  transaction_status: str,
  ending_balance: amount.nullish(),
  description: str,
});
export type BalanceTransaction = z.output<typeof balanceTransaction>;

export interface ListBalanceTransactionsParams extends PageParams {
  start_time?: string;
  end_time?: string;
  transaction_type?: string;
  transaction_status?: string;
  currency?: string;
  transaction_id?: string;
}

// ---- card transactions and simulations ----
export const cardTransaction = z.object({
  transaction_id: z.string().min(1),
  card_id: str,
  card_number: str,
  cardholder_id: str,
  short_transaction_id: str,
  original_transaction_id: str,
  transaction_type: str,
  transaction_fee: amount.nullish(),
  transaction_fee_currency: str,
  fee_pass_through: str,
  card_available_balance: amount.nullish(),
  authorization_code: str,
  billing_amount: amount.nullish(),
  billing_currency: str,
  transaction_amount: amount.nullish(),
  transaction_currency: str,
  transaction_time: str,
  posted_time: str,
  /** An object per the docs, an array in a sandbox sample: kept as given. */
  merchant_data: z.unknown().optional(),
  description: str,
  failure_reason: str,
  transaction_status: str,
  wallet_type: str,
});
export type CardTransaction = z.output<typeof cardTransaction>;

export interface ListCardTransactionsParams extends PageParams {
  card_id?: string;
  start_time?: string;
  end_time?: string;
}

export interface SimulateAuthorizationBody {
  card_id: string;
  transaction_amount: number;
  transaction_currency: string;
  merchant_name: string;
  merchant_category_code: string;
  /** Built-in simulator only (not UQPay's sandbox): where the merchant is, instead of its fixed one. */
  merchant_city?: string;
  merchant_country?: string;
}
export interface SimulateReversalBody {
  transaction_id: string;
}

// ---- transfers and reports ----
export interface CreateTransferBody {
  source_account_id: string;
  destination_account_id: string;
  currency: string;
  amount: number;
  remark?: string;
}
export const transferCreateResponse = z.object({ transfer_id: z.string().min(1) });
export const transfer = z.object({
  transfer_id: z.string().min(1),
  transfer_status: z.string(),
  source_account_id: str,
  destination_account_id: str,
  currency: str,
  amount: amount.nullish(),
  remark: str,
  create_time: str,
});
export type Transfer = z.output<typeof transfer>;
export interface CreateReportBody {
  report_type: string;
  start_time: string;
  end_time: string;
}
export const reportCreateResponse = z.object({ report_id: z.string().min(1) });
