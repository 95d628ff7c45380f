-- Cardrail schema v1. Forward-only: never edit a migration that has shipped; add a new file.

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The public id (dk_test_… / dk_live_…) is the primary key; the secret exists only as a hash.
CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants(id),
  mode          text NOT NULL CHECK (mode IN ('test', 'live')),
  secret_hash   bytea NOT NULL,
  secret_salt   bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  CHECK ((mode = 'test') = (id LIKE 'dk\_test\_%'))
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

-- Cardrail's own catalogue: our product id → the issuer's product, per mode.
CREATE TABLE card_products (
  mode               text NOT NULL CHECK (mode IN ('test', 'live')),
  id                 text NOT NULL,
  name               text NOT NULL,
  issuer             text NOT NULL DEFAULT 'uqpay',
  issuer_product_id  text NOT NULL,
  currencies         text[] NOT NULL CHECK (cardinality(currencies) > 0),
  enabled            boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mode, id)
);

-- Double-entry ledger. Every account belongs to one tenant, mode and currency.
--   wallet           the tenant's prepaid balance (never negative)
--   funding          where wallet money comes from (goes negative as the operator funds)
--   cards_in_flight  debited from the wallet, card not yet confirmed by the issuer
--   cards_loaded     confirmed on an issued card
CREATE TABLE ledger_accounts (
  id         text PRIMARY KEY,
  tenant_id  text NOT NULL REFERENCES tenants(id),
  mode       text NOT NULL CHECK (mode IN ('test', 'live')),
  currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  kind       text NOT NULL CHECK (kind IN ('wallet', 'funding', 'cards_in_flight', 'cards_loaded')),
  balance    bigint NOT NULL DEFAULT 0,
  CONSTRAINT wallet_never_negative CHECK (kind <> 'wallet' OR balance >= 0),
  UNIQUE (tenant_id, mode, currency, kind)
);

CREATE TABLE ledger_transactions (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  mode        text NOT NULL,
  currency    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('funding', 'card_debit', 'card_loaded', 'card_refund')),
  -- A replayed operation carries the same reference and is refused by this constraint.
  reference   text NOT NULL UNIQUE,
  amount      bigint NOT NULL CHECK (amount > 0),
  card_id     text,
  memo        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_transactions_tenant ON ledger_transactions (tenant_id, mode, currency);

CREATE TABLE ledger_postings (
  transaction_id  text NOT NULL REFERENCES ledger_transactions(id),
  account_id      text NOT NULL REFERENCES ledger_accounts(id),
  amount          bigint NOT NULL CHECK (amount <> 0),
  PRIMARY KEY (transaction_id, account_id)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account_id);

-- An account's balance moves only with a posting, in the same transaction, by this trigger.
CREATE FUNCTION ledger_apply_posting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE ledger_accounts SET balance = balance + NEW.amount WHERE id = NEW.account_id;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION ledger_apply_posting();

-- Entries are immutable: corrections are new transactions, never edits.
CREATE FUNCTION ledger_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are immutable (% on %)', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_transactions_immutable BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();
CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();

-- Postings of one transaction sum to zero, checked at commit so a transaction can add them one by one.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE total bigint;
BEGIN
  SELECT coalesce(sum(amount), 0) INTO total FROM ledger_postings WHERE transaction_id = NEW.transaction_id;
  IF total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced by %', NEW.transaction_id, total;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE TABLE end_users (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants(id),
  mode           text NOT NULL CHECK (mode IN ('test', 'live')),
  email          text NOT NULL,
  first_name     text NOT NULL,
  last_name      text NOT NULL,
  country        text NOT NULL,
  mobile         text NOT NULL,
  area_code      text,
  town           text,
  gender         text,
  date_of_birth  date,
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- "Unique per tenant" (the contract), compared case-insensitively as mail systems do.
CREATE UNIQUE INDEX end_users_email ON end_users (tenant_id, mode, lower(email));

CREATE TABLE cardholders (
  id                    text PRIMARY KEY,
  tenant_id             text NOT NULL REFERENCES tenants(id),
  mode                  text NOT NULL CHECK (mode IN ('test', 'live')),
  user_id               text NOT NULL REFERENCES end_users(id),
  issuer                text NOT NULL DEFAULT 'uqpay',
  issuer_cardholder_id  text,
  issuer_status         text,
  status                text NOT NULL CHECK (status IN ('IN_REVIEW', 'ACTIVE', 'REJECTED')),
  missing_fields        text[],
  kyc_doc_type          text NOT NULL,
  kyc_id_number         text NOT NULL,
  kyc_issue_date        date,
  kyc_expiry_date       date,
  -- The upstream idempotency key for the KYC submission: a retry never creates a second cardholder.
  submission_key        uuid NOT NULL UNIQUE,
  last_synced_at        timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cardholders_tenant ON cardholders (tenant_id, mode);
CREATE UNIQUE INDEX cardholders_issuer_id ON cardholders (mode, issuer_cardholder_id)
  WHERE issuer_cardholder_id IS NOT NULL;

CREATE TABLE cards (
  id                 text PRIMARY KEY,
  tenant_id          text NOT NULL REFERENCES tenants(id),
  mode               text NOT NULL CHECK (mode IN ('test', 'live')),
  cardholder_id      text NOT NULL REFERENCES cardholders(id),
  product_id         text NOT NULL,
  currency           text NOT NULL,
  load_amount        bigint NOT NULL CHECK (load_amount > 0),
  -- creating: debited, issuer outcome not yet known; pending: accepted, order processing;
  -- active/frozen/cancelled: issued; failed: refused by the issuer and refunded.
  status             text NOT NULL CHECK (status IN ('creating', 'pending', 'active', 'frozen', 'cancelled', 'failed')),
  issuer_card_id     text,
  issuer_order_id    text,
  issuer_status      text,
  masked_number      text,
  failure_reason     text,
  -- The upstream idempotency key for card creation, fixed when the card row is written.
  upstream_key       uuid NOT NULL UNIQUE,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cards_tenant ON cards (tenant_id, mode);
CREATE UNIQUE INDEX cards_issuer_id ON cards (mode, issuer_card_id) WHERE issuer_card_id IS NOT NULL;
CREATE INDEX cards_unsettled ON cards (updated_at) WHERE status IN ('creating', 'pending');

-- Stripe-style idempotency keys with recovery points (Brandur Leach's design for Postgres).
CREATE TABLE idempotency_keys (
  tenant_id        text NOT NULL REFERENCES tenants(id),
  mode             text NOT NULL,
  key              text NOT NULL,
  request_path     text NOT NULL,
  request_hash     text NOT NULL,
  -- started → card_created → finished
  recovery_point   text NOT NULL CHECK (recovery_point IN ('started', 'card_created', 'finished')),
  locked_at        timestamptz,
  card_id          text REFERENCES cards(id),
  -- The first outcome, replayed verbatim to later requests with the same key.
  outcome          jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, mode, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Who revealed which card, when and from where (the numbers themselves are never stored).
CREATE TABLE reveal_audit (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  mode        text NOT NULL,
  card_id     text NOT NULL REFERENCES cards(id),
  api_key_id  text NOT NULL,
  request_id  text NOT NULL,
  client_ip   text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reveal_audit_card ON reveal_audit (card_id);

-- Test mode ships the contract's example product on the simulator's BIN 40963608 USD product.
INSERT INTO card_products (mode, id, name, issuer, issuer_product_id, currencies)
VALUES ('test', '111031', 'Virtual USD (BIN 40963608)', 'uqpay', '0e1f4a50-4096-4360-8a00-000040963608', '{USD}');
