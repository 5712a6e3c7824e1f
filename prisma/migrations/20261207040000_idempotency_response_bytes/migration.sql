-- A replay answers the original response exactly: the same headers
-- (`Location` of a created job) and the same body bytes. jsonb keeps
-- neither the key order nor the spacing of what was sent, so the body is
-- now stored as the text that was sent.
ALTER TABLE "api_idempotency"
    ADD COLUMN "response_text" TEXT,
    ADD COLUMN "response_headers" JSONB NOT NULL DEFAULT '{}';

-- Responses stored before: their JSON as PostgreSQL prints it (the same
-- value, keys reordered), and the Location a created job was answered with.
UPDATE "api_idempotency"
SET "response_text" = "response_body"::text,
    "response_headers" = CASE
        WHEN "status_code" = 201 AND "response_body" ? 'id'
        THEN jsonb_build_object('location', '/api/v1/jobs/' || ("response_body"->>'id'))
        ELSE '{}'::jsonb
    END;

-- Deployed with the code that writes the new columns: a POST /jobs answered
-- meanwhile by a process still writing response_body fails as a whole (its
-- job and charge roll back with it) and is retried with the same key.
ALTER TABLE "api_idempotency"
    ALTER COLUMN "response_text" SET NOT NULL,
    DROP COLUMN "response_body";
