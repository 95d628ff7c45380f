-- Issuer webhooks we have received, by the issuer's event id: duplicates across instances are
-- recognised here, not in memory. processed_at stays null until the event was applied, so an event
-- whose processing failed is applied again when the issuer redelivers it.
CREATE TABLE inbound_events (
  mode          text NOT NULL CHECK (mode IN ('test', 'live')),
  event_id      text NOT NULL,
  event_type    text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  processed_at  timestamptz,
  PRIMARY KEY (mode, event_id)
);

-- KYC documents, stored encrypted (AES-256-GCM) outside the database; rows say where and what.
CREATE TABLE kyc_documents (
  id             text PRIMARY KEY,
  cardholder_id  text NOT NULL REFERENCES cardholders(id),
  tenant_id      text NOT NULL REFERENCES tenants(id),
  mode           text NOT NULL CHECK (mode IN ('test', 'live')),
  kind           text NOT NULL CHECK (kind IN ('docFront', 'docBack', 'selfie')),
  mime           text NOT NULL,
  size_bytes     integer NOT NULL,
  sha256         text NOT NULL,
  storage_key    text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  deleted_at     timestamptz
);
CREATE INDEX kyc_documents_holder ON kyc_documents (cardholder_id) WHERE deleted_at IS NULL;

-- Durable KYC submission: a cardholder is committed first, then submitted; while the issuer is
-- unreachable the submission stays 'pending' and a job retries it with the same upstream key.
ALTER TABLE cardholders
  ADD COLUMN submission_state text NOT NULL DEFAULT 'submitted'
    CHECK (submission_state IN ('pending', 'submitted', 'refused')),
  ADD COLUMN submission_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_submission_at timestamptz,
  ADD COLUMN last_submission_error text,
  ADD COLUMN decided_at timestamptz;
CREATE INDEX cardholders_pending_submission ON cardholders (next_submission_at) WHERE submission_state = 'pending';
CREATE INDEX cardholders_in_review ON cardholders (last_synced_at) WHERE status = 'IN_REVIEW';
