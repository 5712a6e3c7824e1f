-- Indexes for the admin dashboard at scale (measured at 1M jobs, see
-- docs/operations.md). The period queries (jobs by status, durations, charts,
-- credit totals) filter on created_at and read only these columns, so the
-- composite indexes that start with created_at replace the single-column ones
-- and let PostgreSQL answer from the index alone. The audit indexes serve the
-- "admin actions on this user / job" lists.

-- DropIndex
DROP INDEX "job_created_at_idx";

-- DropIndex
DROP INDEX "ledger_entry_created_at_idx";

-- CreateIndex
CREATE INDEX "admin_audit_target_user_id_id_idx" ON "admin_audit"("target_user_id", "id");

-- CreateIndex
CREATE INDEX "admin_audit_target_job_id_id_idx" ON "admin_audit"("target_job_id", "id");

-- CreateIndex
CREATE INDEX "job_created_at_status_finished_at_idx" ON "job"("created_at", "status", "finished_at");

-- CreateIndex
CREATE INDEX "ledger_entry_created_at_kind_amount_idx" ON "ledger_entry"("created_at", "kind", "amount");
