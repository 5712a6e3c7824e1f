-- CreateEnum
CREATE TYPE "BudgetScope" AS ENUM ('ACCOUNT', 'API_KEY');

-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('MONTH', 'TOTAL');

-- AlterTable
ALTER TABLE "job" ADD COLUMN     "api_key_id" UUID,
ADD COLUMN     "budget_ids" BIGINT[] DEFAULT ARRAY[]::BIGINT[];

-- CreateTable
CREATE TABLE "budget" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "scope" "BudgetScope" NOT NULL,
    "api_key_id" UUID,
    "period" "BudgetPeriod" NOT NULL,
    "limit_credits" INTEGER NOT NULL,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "budget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_spend" (
    "budget_id" BIGINT NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "limit_credits" INTEGER NOT NULL,
    "spent" INTEGER NOT NULL DEFAULT 0,
    "notified_80_at" TIMESTAMPTZ(3),
    "notified_100_at" TIMESTAMPTZ(3),

    CONSTRAINT "budget_spend_pkey" PRIMARY KEY ("budget_id","period_start")
);

-- CreateTable
CREATE TABLE "budget_change" (
    "id" BIGSERIAL NOT NULL,
    "budget_id" BIGINT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budget_change_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "budget_user_id_id_idx" ON "budget"("user_id", "id");

-- CreateIndex
CREATE INDEX "budget_change_budget_id_id_idx" ON "budget_change"("budget_id", "id");

-- AddForeignKey
ALTER TABLE "budget" ADD CONSTRAINT "budget_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget" ADD CONSTRAINT "budget_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_key"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_spend" ADD CONSTRAINT "budget_spend_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budget"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_change" ADD CONSTRAINT "budget_change_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budget"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- What the schema language cannot say (SPEC §9, invariant 14).
ALTER TABLE "job" ALTER COLUMN "budget_ids" SET NOT NULL;
ALTER TABLE "budget"
  ADD CONSTRAINT budget_limit_non_negative CHECK (limit_credits >= 0),
  ADD CONSTRAINT budget_key_iff_api_key_scope CHECK ((scope = 'API_KEY') = (api_key_id IS NOT NULL));
ALTER TABLE "budget_spend"
  ADD CONSTRAINT budget_spend_within_limit CHECK (spent >= 0 AND spent <= limit_credits);
ALTER TABLE "budget_change"
  ADD CONSTRAINT budget_change_action CHECK (action IN ('CREATE', 'LIMIT', 'REMOVE'));
-- One live budget per account, scope and key; also the index cw_budget_room
-- reads on every create (an account with no budget: one probe, no row).
CREATE UNIQUE INDEX budget_one_live ON "budget" (user_id, scope, (COALESCE(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid)))
  WHERE removed_at IS NULL;
-- Half-empty pages: a create's count of its period is an UPDATE of `spent`
-- (no index holds it), kept HOT, so it writes no index page that another
-- account's create has read (SERIALIZABLE's page-level predicate locks).
ALTER TABLE "budget_spend" SET (fillfactor = 50);
