-- Fenced idempotency keys (issue 11): a key is held by one request at a time through a lease that
-- the request renews while it works, and every write the request makes is conditional on its
-- fencing token, so a request that lost its key (its process stalled past the lease, another took
-- over) can commit nothing.

-- The holder's fencing token: a fresh random value at every claim and takeover; NULL when unheld.
-- Random rather than a counter, so a key released (deleted) and claimed anew never hands out a
-- token an old holder still carries.
ALTER TABLE idempotency_keys ADD COLUMN lock_token uuid;
-- Until when the holder's lease runs; renewed by its heartbeat. Another request may take the key
-- over only after it has passed (the holder crashed or stopped renewing).
ALTER TABLE idempotency_keys ADD COLUMN lease_expires_at timestamptz;

-- Keys held by a request when this migration runs: keep them held for one default lease, so a
-- request of the previous version still running is not overtaken at once; it cannot write
-- through the fence (its token is unknown), so it answers an error and its client retries.
UPDATE idempotency_keys
   SET lock_token = gen_random_uuid(), lease_expires_at = locked_at + interval '60 seconds'
 WHERE locked_at IS NOT NULL AND recovery_point <> 'finished';

-- The old unfenced lock. Dropped, not kept beside the lease: a process of the previous version
-- still running fails loudly on it instead of claiming a key without a token.
ALTER TABLE idempotency_keys DROP COLUMN locked_at;

-- The recovery sweep looks up the key that debited a card.
CREATE INDEX idempotency_keys_card ON idempotency_keys (card_id) WHERE card_id IS NOT NULL;
