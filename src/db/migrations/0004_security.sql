-- Security hardening (issue 8): key rotation with an overlap period, and single-use reveal tokens.

-- A rotated key keeps working until expires_at (the overlap), then authenticates no more.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
-- The key that replaced this one (keys rotate), for the operator's listing.
ALTER TABLE api_keys ADD COLUMN replaced_by text;

-- A browser redeems a token once, shortly after the tenant's server minted it. Only the SHA-256 of
-- the token is stored: a database dump does not hold a usable token.
CREATE TABLE reveal_tokens (
  token_hash           bytea PRIMARY KEY,
  tenant_id            text NOT NULL REFERENCES tenants(id),
  mode                 text NOT NULL CHECK (mode IN ('test', 'live')),
  card_id              text NOT NULL REFERENCES cards(id),
  -- The key that minted the token: the audit row of the redemption names it.
  api_key_id           text NOT NULL,
  expires_at           timestamptz NOT NULL,
  redeemed_at          timestamptz,
  redeemed_request_id  text,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reveal_tokens_expires ON reveal_tokens (expires_at);
CREATE INDEX reveal_audit_tenant ON reveal_audit (tenant_id, created_at);
