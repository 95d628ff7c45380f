-- The ledger's independent witness (issue 11, item 12): an append-only, hash-chained journal of
-- every ledger transaction, one chain per book (tenant, mode, currency). Each entry holds the
-- canonical content of its transaction and HMAC-SHA256(journal key, previous hash + content); the
-- key never reaches the database (LEDGER_JOURNAL_KEY or CARDRAIL_DATA_DIR/journal.key), so
-- someone with only database access can neither forge, alter, insert nor remove an entry without
-- `reconcile` noticing. Written by the application in the same transaction as the posting
-- (src/modules/wallet/ledger.ts); verified by src/modules/reconcile/witness.ts.

-- The head of each chain: the row a posting locks to append (serialises one book's postings,
-- which its wallet / in-flight row locks already do), so sequence numbers have no gaps.
CREATE TABLE ledger_journal_heads (
  tenant_id  text NOT NULL,
  mode       text NOT NULL,
  currency   text NOT NULL,
  seq        bigint NOT NULL CHECK (seq >= 0),
  hash       text NOT NULL,
  PRIMARY KEY (tenant_id, mode, currency)
);

CREATE TABLE ledger_journal (
  tenant_id       text NOT NULL,
  mode            text NOT NULL,
  currency        text NOT NULL,
  seq             bigint NOT NULL CHECK (seq > 0),
  transaction_id  text NOT NULL UNIQUE,
  -- Canonical JSON of the transaction (src/modules/wallet/journal.ts); what the hash covers.
  content         text NOT NULL,
  prev_hash       text NOT NULL,
  hash            text NOT NULL,
  PRIMARY KEY (tenant_id, mode, currency, seq)
);

-- Append-only, as the ledger itself (a superuser can disable triggers: the hash chain is the real
-- protection; this stops honest mistakes).
CREATE TRIGGER ledger_journal_immutable BEFORE UPDATE OR DELETE ON ledger_journal
  FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change();

-- One row. key_check = HMAC(key, fixed text): a process started with a different journal key
-- refuses to start instead of writing entries nobody can verify. backfilled: existing postings
-- (made before this migration) are journaled once, at the first start that has the key.
CREATE TABLE ledger_journal_state (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  key_check   text,
  backfilled  boolean NOT NULL DEFAULT false
);
INSERT INTO ledger_journal_state (id) VALUES (true);
