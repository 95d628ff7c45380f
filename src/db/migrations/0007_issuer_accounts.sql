-- Tenants separated at the issuer (issue 11 item 8), and one test-mode issuer per database (item 10).

-- The account each tenant acts through at the issuer, per mode (UQPay: a sub-account, sent as
-- x-on-behalf-of). account_id NULL is the issuer's master account. A sub-account belongs to one
-- tenant only, and at most one tenant per mode acts as the master: the issuer enforces email/phone
-- uniqueness per account, so a shared account would let tenants see and squat each other's people.
CREATE TABLE tenant_issuer_accounts (
  tenant_id   text NOT NULL REFERENCES tenants(id),
  mode        text NOT NULL CHECK (mode IN ('test', 'live')),
  account_id  uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, mode)
);
CREATE UNIQUE INDEX tenant_issuer_accounts_account ON tenant_issuer_accounts (mode, account_id)
  WHERE account_id IS NOT NULL;
CREATE UNIQUE INDEX tenant_issuer_accounts_master ON tenant_issuer_accounts (mode)
  WHERE account_id IS NULL;

-- The in-process test-mode simulator shared by every process on this database (one row). Its
-- credentials are made once per installation; the process holding the leader advisory lock runs it
-- and publishes where it listens and its admin token; its state is kept here when DATABASE_URL is set.
CREATE TABLE test_issuer (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  client_id       text NOT NULL,
  api_key         text NOT NULL,
  webhook_secret  text NOT NULL,
  url             text,
  admin_token     text,
  leader_pid      integer,
  state           text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
