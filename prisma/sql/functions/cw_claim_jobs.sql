-- cw_claim_jobs: A worker takes PENDING jobs with a lease, several in one
-- statement (the claims a worker process's runners made in one tick; one job
-- is a batch of one). Each job is taken only while attempts < p_max_attempts
-- and before its deadline; a job that is not claimable (taken, ended, out of
-- attempts) is simply not returned, and does not affect the others. Each
-- claimed job comes back with the outputs a previous attempt already
-- delivered, so that a recovered job makes only the rest. The rows are
-- locked in the order of the job's primary key (the index scan of
-- `id = ANY`), so two batches never wait on each other in a cycle.
--
-- Guards: §3.8 (bounded attempts), §3.9 (no duplicate outputs); §3.5 through
--   trigger job_transition.
-- History: created in 20261207061000_worker_batches, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_claim_jobs(p_job_ids uuid[], p_worker_id text, p_lease_ms integer, p_max_attempts integer)
RETURNS TABLE (id uuid, workspace_id text, model_id text, prompt text, outputs_requested integer, deadline_at timestamptz,
               attempts integer, done_indexes integer[])
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
BEGIN
  PERFORM cw_assert_serializable();
  RETURN QUERY
  WITH claimed AS (
    UPDATE job j SET
        status = 'PROCESSING', lease_owner = p_worker_id,
        lease_expires_at = v_now + make_interval(secs => p_lease_ms / 1000.0),
        attempts = j.attempts + 1, started_at = COALESCE(j.started_at, v_now),
        heartbeat_at = v_now, updated_at = v_now
      WHERE j.id = ANY (p_job_ids) AND j.status = 'PENDING' AND j.deadline_at > v_now AND j.attempts < p_max_attempts
      RETURNING j.id, j.workspace_id, j.model_id, j.prompt, j.outputs_requested, j.deadline_at, j.attempts
  ), events AS (
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    SELECT c.id, 'claimed', p_worker_id, jsonb_build_object('attempt', c.attempts), v_now FROM claimed c
  )
  -- A first attempt has no outputs yet: only a recovered job reads them.
  SELECT c.id, c.workspace_id, c.model_id, c.prompt, c.outputs_requested, c.deadline_at::timestamptz, c.attempts,
         CASE WHEN c.attempts = 1 THEN '{}'::integer[]
           ELSE COALESCE((SELECT array_agg(o.index ORDER BY o.index) FROM job_output o WHERE o.job_id = c.id), '{}') END
    FROM claimed c;
END $$;
