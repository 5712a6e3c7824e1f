-- The developer API (SPEC §8): API keys and the stored responses of
-- idempotent REST requests.

-- An API key acts as its user in the REST layer only (never tRPC, never
-- admin). Only the SHA-256 of the secret is stored; `prefix` is the part of
-- the secret shown in lists.
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "scopes" TEXT[] NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_key_scopes_known" CHECK (
        cardinality("scopes") >= 1
        AND "scopes" <@ ARRAY['jobs:read', 'jobs:write', 'credits:read']::TEXT[]),
    CONSTRAINT "api_key_secret_hash_sha256" CHECK ("secret_hash" ~ '^[0-9a-f]{64}$')
);

CREATE UNIQUE INDEX "api_key_secret_hash_key" ON "api_key"("secret_hash");
CREATE INDEX "api_key_user_id_created_at_idx" ON "api_key"("user_id", "created_at");

ALTER TABLE "api_key" ADD CONSTRAINT "api_key_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The response of an idempotent REST request (IETF Idempotency-Key draft),
-- replayed for the same (user, key) while it has not expired. The response
-- of a created job is inserted in the transaction that creates the job.
CREATE TABLE "api_idempotency" (
    "user_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_idempotency_pkey" PRIMARY KEY ("user_id", "key"),
    CONSTRAINT "api_idempotency_honoured_a_day" CHECK ("expires_at" >= "created_at" + INTERVAL '24 hours'),
    CONSTRAINT "api_idempotency_status_completed" CHECK ("status_code" BETWEEN 200 AND 299)
);

CREATE INDEX "api_idempotency_expires_at_idx" ON "api_idempotency"("expires_at");

ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;
