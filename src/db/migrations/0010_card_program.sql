-- Issue 15: a card program. Lists (keyset pagination on time-ordered ids), card lifecycle,
-- money on and off cards, card transactions, spend controls, wallet transactions with balanceAfter.

-- Lists walk newest first by id (ids start with their creation time, src/core/ids.ts): one index per
-- list, so a page is an index range scan however many rows the tenant has.
CREATE INDEX cardholders_list ON cardholders (tenant_id, mode, id DESC);
CREATE INDEX cards_list ON cards (tenant_id, mode, id DESC);
CREATE INDEX cards_by_holder ON cards (cardholder_id, id DESC);
CREATE INDEX end_users_email_list ON end_users (tenant_id, mode, lower(email));
DROP INDEX IF EXISTS cards_tenant;
DROP INDEX IF EXISTS cardholders_tenant;

-- Card lifecycle: the issuer confirms status changes asynchronously. Until it has, the card keeps
-- its `status` and shows `pending_status`; `status_version` numbers the change requests, so each
-- one has its own upstream idempotency key and a late answer for an old request is recognised.
ALTER TABLE cards ADD COLUMN pending_status text
  CHECK (pending_status IS NULL OR pending_status IN ('active', 'frozen', 'cancelled'));
ALTER TABLE cards ADD COLUMN status_order_id text;
ALTER TABLE cards ADD COLUMN status_version integer NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN status_requested_at timestamptz;
-- The issuer's last reported available balance (minor units of the card's currency).
ALTER TABLE cards ADD COLUMN available_balance bigint;
ALTER TABLE cards ADD COLUMN balance_synced_at timestamptz;
-- Spend controls as the issuer confirmed them (JSON in our own terms, amounts in minor units).
ALTER TABLE cards ADD COLUMN controls json;
CREATE INDEX cards_status_unconfirmed ON cards (status_requested_at) WHERE pending_status IS NOT NULL;
-- When a cancelled card's remaining balance came back to the wallet (the issuer finished the
-- cancellation); until then the card is in the return sweep's index.
ALTER TABLE cards ADD COLUMN balance_returned_at timestamptz;
CREATE INDEX cards_awaiting_return ON cards (updated_at)
  WHERE status = 'cancelled' AND balance_returned_at IS NULL;

-- Money on and off a card after issuance. A top-up debits the wallet first (like issuance), a
-- withdrawal credits it only once the issuer has confirmed. 'creating' = recorded (and, for a
-- top-up, debited) but the issuer's answer not yet known; the API shows it as `pending`.
CREATE TABLE card_money_orders (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants(id),
  mode             text NOT NULL CHECK (mode IN ('test', 'live')),
  card_id          text NOT NULL REFERENCES cards(id),
  kind             text NOT NULL CHECK (kind IN ('top_up', 'withdrawal')),
  amount           bigint NOT NULL CHECK (amount > 0),
  currency         text NOT NULL,
  status           text NOT NULL CHECK (status IN ('creating', 'pending', 'succeeded', 'failed')),
  upstream_key     text NOT NULL UNIQUE,
  issuer_order_id  text,
  failure_reason   text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_money_orders_card ON card_money_orders (card_id, id DESC);
CREATE INDEX card_money_orders_unsettled ON card_money_orders (updated_at)
  WHERE status IN ('creating', 'pending');
CREATE UNIQUE INDEX card_money_orders_issuer_id ON card_money_orders (mode, issuer_order_id)
  WHERE issuer_order_id IS NOT NULL;

-- Every authorization, reversal, settlement, refund and fee on a card, from the issuer's webhooks
-- and its transaction list (deduplicated by the issuer's id).
CREATE TABLE card_transactions (
  id                      text PRIMARY KEY,
  tenant_id               text NOT NULL REFERENCES tenants(id),
  mode                    text NOT NULL CHECK (mode IN ('test', 'live')),
  card_id                 text NOT NULL REFERENCES cards(id),
  issuer_transaction_id   text NOT NULL,
  original_transaction_id text,
  type                    text NOT NULL
    CHECK (type IN ('authorization', 'reversal', 'settlement', 'refund', 'fee', 'other')),
  status                  text NOT NULL
    CHECK (status IN ('pending', 'approved', 'declined', 'reversed', 'settled')),
  amount                  bigint NOT NULL,
  currency                text NOT NULL,
  billing_amount          bigint NOT NULL,
  billing_currency        text NOT NULL,
  merchant                json,
  decline_reason          text,
  occurred_at             timestamptz NOT NULL,
  posted_at               timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  UNIQUE (mode, issuer_transaction_id)
);
CREATE INDEX card_transactions_list ON card_transactions (tenant_id, mode, id DESC);
CREATE INDEX card_transactions_card ON card_transactions (card_id, id DESC);
CREATE INDEX card_transactions_original ON card_transactions (mode, original_transaction_id)
  WHERE original_transaction_id IS NOT NULL;

-- Wallet transactions show the balance after each one. Postings of one book are serialised (its
-- journal head and account rows are locked), so the balance the posting trigger leaves is exact:
-- it is recorded on the posting as it is applied.
ALTER TABLE ledger_postings ADD COLUMN balance_after bigint;
ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_immutable;
UPDATE ledger_postings p SET balance_after = running.balance_after
FROM (
  SELECT transaction_id, account_id,
         sum(amount) OVER (PARTITION BY account_id ORDER BY transaction_id) AS balance_after
  FROM ledger_postings
) running
WHERE running.transaction_id = p.transaction_id AND running.account_id = p.account_id;
ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_immutable;

DROP TRIGGER ledger_postings_apply ON ledger_postings;
CREATE OR REPLACE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE id = NEW.account_id
  RETURNING balance INTO NEW.balance_after;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();
CREATE INDEX ledger_postings_account_list ON ledger_postings (account_id, transaction_id DESC);
DROP INDEX IF EXISTS ledger_postings_account;

-- New movements: loads onto a card after issuance, money taken back off it, and the balance a
-- cancelled card returns.
ALTER TABLE ledger_transactions DROP CONSTRAINT IF EXISTS ledger_transactions_kind_check;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check CHECK (kind IN (
  'funding', 'card_debit', 'card_loaded', 'card_refund',
  'top_up_debit', 'top_up_loaded', 'top_up_refund', 'card_withdrawal', 'card_return'));
CREATE INDEX ledger_transactions_card ON ledger_transactions (card_id) WHERE card_id IS NOT NULL;

-- The backfill of card transactions, one row per tenant and mode that has cards at the issuer:
-- everything the issuer listed up to `synced_to` has been recorded (a missed webhook never means a
-- missing transaction). Claimed with SKIP LOCKED like every job (docs/adr), so N processes share it.
CREATE TABLE transaction_sync (
  tenant_id    text NOT NULL REFERENCES tenants(id),
  mode         text NOT NULL CHECK (mode IN ('test', 'live')),
  synced_to    timestamptz NOT NULL,
  next_run_at  timestamptz NOT NULL DEFAULT now(),
  last_error   text,
  PRIMARY KEY (tenant_id, mode)
);
CREATE INDEX transaction_sync_due ON transaction_sync (next_run_at);

-- Top-ups and withdrawals run behind Idempotency-Keys like issuance: started → order_created →
-- finished, the key naming the order it recorded (as card_id names the card an issuance debited).
ALTER TABLE idempotency_keys ADD COLUMN order_id text REFERENCES card_money_orders(id);
ALTER TABLE idempotency_keys DROP CONSTRAINT IF EXISTS idempotency_keys_recovery_point_check;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_recovery_point_check
  CHECK (recovery_point IN ('started', 'card_created', 'order_created', 'finished'));
CREATE INDEX idempotency_keys_order ON idempotency_keys (order_id) WHERE order_id IS NOT NULL;
