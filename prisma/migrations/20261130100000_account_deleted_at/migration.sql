-- A deleted account keeps its row (ledger entries, jobs and checkouts
-- reference it) with its personal data anonymised; deleted_at marks it.
-- AlterTable
ALTER TABLE "user" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);

-- The pair of src/server/account/delete-account.ts: a deleted account holds
-- no personal address (only its anonymised one, which receives no mail).
ALTER TABLE "user" ADD CONSTRAINT user_deleted_is_anonymised
  CHECK (deleted_at IS NULL OR (email = 'deleted-' || id || '@deleted.invalid' AND image IS NULL));
