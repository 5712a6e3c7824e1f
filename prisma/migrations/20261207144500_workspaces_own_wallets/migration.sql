-- Decision 0012, step 1: the wallet's owner becomes a workspace. Every user
-- gets a PERSONAL workspace whose id IS the user's id, and is its OWNER; the
-- wallet columns move from "user" to it, values copied as they are; the money
-- tables' user_id becomes workspace_id (a rename: no value changes, so every
-- ledger chain, draw, budget row and the account lock's stripe key stay what
-- they were). The functions and the triggers that follow are in the next
-- migration (…_workspace_functions, generated from prisma/sql/functions/).

-- CreateEnum
CREATE TYPE "WorkspaceKind" AS ENUM ('PERSONAL', 'TEAM');

-- CreateEnum
CREATE TYPE "WorkspaceRole" AS ENUM ('OWNER', 'ADMIN', 'MEMBER');

-- CreateTable
CREATE TABLE "workspace" (
    "id" TEXT NOT NULL,
    "kind" "WorkspaceKind" NOT NULL,
    "name" TEXT NOT NULL,
    "balance" INTEGER NOT NULL DEFAULT 0,
    "jobs_active_bound" INTEGER NOT NULL DEFAULT 0,
    "job_rate_last_ms" BIGINT[] DEFAULT ARRAY[]::BIGINT[],
    "job_rate_counts" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "ledger_tail" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_pkey" PRIMARY KEY ("id"),
    -- §3.2 and §3.7, as they were on "user".
    CONSTRAINT workspace_balance_non_negative CHECK (balance >= 0),
    CONSTRAINT workspace_jobs_active_bound_non_negative CHECK (jobs_active_bound >= 0)
);

-- CreateTable
CREATE TABLE "workspace_member" (
    "workspace_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" "WorkspaceRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_member_pkey" PRIMARY KEY ("workspace_id","user_id")
);

-- CreateIndex
CREATE INDEX "workspace_created_at_idx" ON "workspace"("created_at");

-- CreateIndex
CREATE INDEX "workspace_member_user_id_idx" ON "workspace_member"("user_id");

-- AddForeignKey
ALTER TABLE "workspace_member" ADD CONSTRAINT "workspace_member_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_member" ADD CONSTRAINT "workspace_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every user's personal workspace: its id is the user's id, its wallet the
-- user's wallet, copied value for value (the arrays NOT NULL as on "user").
INSERT INTO "workspace" (id, kind, name, balance, jobs_active_bound, job_rate_last_ms, job_rate_counts, ledger_tail, created_at)
SELECT id, 'PERSONAL', 'Personal', balance, jobs_active_bound, job_rate_last_ms, job_rate_counts, ledger_tail, created_at
  FROM "user";
ALTER TABLE "workspace" ALTER COLUMN "job_rate_last_ms" SET NOT NULL, ALTER COLUMN "job_rate_counts" SET NOT NULL;

INSERT INTO "workspace_member" (workspace_id, user_id, role, created_at)
SELECT id, id, 'OWNER', created_at FROM "user";

-- The triggers that read the moved columns go before the columns do; the
-- next migration creates their workspace versions.
DROP TRIGGER user_balance_matches_ledger ON "user";
DROP TRIGGER user_ledger_tail_guard ON "user";

ALTER TABLE "user" DROP CONSTRAINT user_balance_non_negative;
ALTER TABLE "user" DROP CONSTRAINT user_jobs_active_bound_non_negative;
ALTER TABLE "user"
  DROP COLUMN "balance",
  DROP COLUMN "jobs_active_bound",
  DROP COLUMN "job_rate_last_ms",
  DROP COLUMN "job_rate_counts",
  DROP COLUMN "ledger_tail";

-- The money tables: user_id → workspace_id, their keys, indexes and foreign
-- keys renamed with it. A foreign key now references workspace(id), with the
-- ON DELETE it had.
ALTER TABLE "api_idempotency" DROP CONSTRAINT "api_idempotency_user_id_fkey";
ALTER TABLE "api_key" DROP CONSTRAINT "api_key_user_id_fkey";
ALTER TABLE "auto_topup" DROP CONSTRAINT "auto_topup_user_id_fkey";
ALTER TABLE "budget" DROP CONSTRAINT "budget_user_id_fkey";
ALTER TABLE "checkout" DROP CONSTRAINT "checkout_user_id_fkey";
ALTER TABLE "credit_grant" DROP CONSTRAINT "credit_grant_user_id_fkey";
ALTER TABLE "job" DROP CONSTRAINT "job_user_id_fkey";
ALTER TABLE "ledger_entry" DROP CONSTRAINT "ledger_entry_user_id_fkey";
ALTER TABLE "payment_method" DROP CONSTRAINT "payment_method_user_id_fkey";
ALTER TABLE "topup" DROP CONSTRAINT "topup_user_id_fkey";
ALTER TABLE "webhook_endpoint" DROP CONSTRAINT "webhook_endpoint_user_id_fkey";
ALTER TABLE "webhook_event" DROP CONSTRAINT "webhook_event_user_id_fkey";
ALTER TABLE "webhook_preference" DROP CONSTRAINT "webhook_preference_user_id_fkey";

ALTER TABLE "api_idempotency" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "api_key" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "auto_topup" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "budget" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "checkout" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "credit_grant" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "job" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "ledger_entry" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "payment_method" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "topup" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "webhook_endpoint" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "webhook_event" RENAME COLUMN "user_id" TO "workspace_id";
ALTER TABLE "webhook_preference" RENAME COLUMN "user_id" TO "workspace_id";

ALTER INDEX "api_key_user_id_created_at_idx" RENAME TO "api_key_workspace_id_created_at_idx";
ALTER INDEX "budget_user_id_id_idx" RENAME TO "budget_workspace_id_id_idx";
ALTER INDEX "checkout_user_id_created_at_idx" RENAME TO "checkout_workspace_id_created_at_idx";
ALTER INDEX "credit_grant_open_by_user_idx" RENAME TO "credit_grant_open_by_workspace_idx";
ALTER INDEX "credit_grant_pending_by_user_idx" RENAME TO "credit_grant_pending_by_workspace_idx";
ALTER INDEX "credit_grant_user_id_id_idx" RENAME TO "credit_grant_workspace_id_id_idx";
ALTER INDEX "credit_grant_user_id_idempotency_key_key" RENAME TO "credit_grant_workspace_id_idempotency_key_key";
ALTER INDEX "job_active_by_user" RENAME TO "job_active_by_workspace";
ALTER INDEX "job_user_id_created_at_idx" RENAME TO "job_workspace_id_created_at_idx";
ALTER INDEX "job_user_id_idempotency_key_key" RENAME TO "job_workspace_id_idempotency_key_key";
ALTER INDEX "ledger_entry_user_id_id_idx" RENAME TO "ledger_entry_workspace_id_id_idx";
ALTER INDEX "ledger_entry_user_id_idempotency_key_key" RENAME TO "ledger_entry_workspace_id_idempotency_key_key";
ALTER INDEX "payment_method_user_id_created_at_idx" RENAME TO "payment_method_workspace_id_created_at_idx";
ALTER INDEX "topup_user_id_created_at_idx" RENAME TO "topup_workspace_id_created_at_idx";
ALTER INDEX "webhook_endpoint_enabled_by_user" RENAME TO "webhook_endpoint_enabled_by_workspace";
ALTER INDEX "webhook_endpoint_user_id_created_at_idx" RENAME TO "webhook_endpoint_workspace_id_created_at_idx";
ALTER INDEX "webhook_event_user_id_created_at_idx" RENAME TO "webhook_event_workspace_id_created_at_idx";

ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "auto_topup" ADD CONSTRAINT "auto_topup_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "budget" ADD CONSTRAINT "budget_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "checkout" ADD CONSTRAINT "checkout_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "credit_grant" ADD CONSTRAINT "credit_grant_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "job" ADD CONSTRAINT "job_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_entry_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "payment_method" ADD CONSTRAINT "payment_method_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "topup" ADD CONSTRAINT "topup_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_preference" ADD CONSTRAINT "webhook_preference_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- job.actor_user_id: the member who created the job; for every existing job
-- its owner. The UPDATE touches finished jobs, which job_transition (§3.5)
-- refuses to change, so it is off for this one statement, inside this
-- migration's transaction; status, outputs and money are not written.
ALTER TABLE "job" ADD COLUMN "actor_user_id" TEXT;
ALTER TABLE "job" DISABLE TRIGGER job_transition;
UPDATE "job" SET actor_user_id = workspace_id;
ALTER TABLE "job" ENABLE TRIGGER job_transition;
ALTER TABLE "job" ALTER COLUMN "actor_user_id" SET NOT NULL;
ALTER TABLE "job" ADD CONSTRAINT "job_actor_user_id_fkey" FOREIGN KEY ("actor_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
