-- cw_enqueue_run_job: Enqueues a job's run-job with one insert into
-- graphile-worker's jobs table (the row add_job would make, and the same
-- notification); until a run-job task row exists (a fresh database), add_job
-- makes it. It writes graphile-worker's own table, so package.json pins its
-- version and tests/jobs/enqueue.test.ts compares the row with add_job's.
--
-- Guards: §3.8 (every created or recovered job is enqueued in its own
--   transaction).
-- History: created in 20261201100000_lean_settlement, replaced in
--   20261207021800_public_enqueue, 20261207144716_workspace_functions: this is the text of
--   the last.
CREATE OR REPLACE FUNCTION cw_enqueue_run_job(p_job_id uuid, p_workspace_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', p_job_id, 'workspaceId', p_workspace_id), max_attempts := 5,
    job_key := 'run-job:' || p_job_id || ':' || txid_current(), job_key_mode := 'unsafe_dedupe');
END $$;
