-- A replay must be the first answer byte for byte. jsonb stores keys in its own order (shortest
-- first), so a replayed card came back with its fields reordered; json keeps the text as written.
ALTER TABLE idempotency_keys ALTER COLUMN outcome TYPE json USING outcome::json;
