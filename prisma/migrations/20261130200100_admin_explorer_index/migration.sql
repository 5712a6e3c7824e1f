-- The jobs explorer filters by model over a time window, newest first: with
-- model_id in the created_at index the filter is checked inside the index
-- (no heap read for rows of other models), so a rare model in a busy window
-- costs index entries, not table pages. Same number of indexes on job (its
-- updates are not HOT: each index takes an entry per status change).

-- DropIndex
DROP INDEX "job_created_at_status_finished_at_idx";

-- CreateIndex
CREATE INDEX "job_created_at_status_finished_at_model_id_idx" ON "job"("created_at", "status", "finished_at", "model_id");
