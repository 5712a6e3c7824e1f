-- cw_finish_jobs: The end of several workers' runs that each deliver every
-- output their job has left (the finishes a worker process's runners reached
-- in one tick), settled in one statement: COMPLETED with their last outputs,
-- refunding nothing, so no balance, ledger entry, grant or workspace row is
-- touched. p_delivered[i] is how many outputs p_job_ids[i] delivers here;
-- the outputs are flattened (p_output_job_ids[k] names the job of output k).
-- Each job is fenced by its own lease and settles only if its outputs then
-- make up every one requested, so a job whose lease is gone changes nothing
-- and does not affect the others. outcome per job: SETTLED; LEASE_LOST
-- (nothing written); REFUNDS (the lease holds but the outputs would not make
-- up the job: nothing written, the caller settles it with cw_finish_job).
-- The caller holds the stripe locks of the jobs' accounts (sorted by table).
-- Rows are locked in primary key order (`id = ANY`), as cw_claim_jobs does.
--
-- Guards: §3.4 (a settlement that refunds nothing, once: the refund is 0
--   because every output is delivered, and job_refund_fair checks it again),
--   §3.5 (a late worker changes nothing), §3.9 (unique (job, index)).
-- History: created in 20261207061000_worker_batches, never replaced.
CREATE OR REPLACE FUNCTION cw_finish_jobs(
  p_job_ids uuid[], p_delivered integer[], p_worker_id text,
  p_output_job_ids uuid[], p_indexes integer[], p_mime text[], p_content text[]
) RETURNS TABLE (job_id uuid, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_settled uuid[];
BEGIN
  PERFORM cw_assert_serializable();
  WITH settled AS (
    UPDATE job j SET
        status = 'COMPLETED', outputs_done = j.outputs_requested, refunded_amount = 0, refund_whole_cost = false,
        error_code = NULL, error_message = NULL, lease_owner = NULL, lease_expires_at = NULL,
        finished_at = v_now, updated_at = v_now
      WHERE j.id = ANY (p_job_ids) AND j.status = 'PROCESSING' AND j.lease_owner = p_worker_id
        AND j.outputs_done + p_delivered[array_position(p_job_ids, j.id)] = j.outputs_requested
      RETURNING j.id
  )
  SELECT COALESCE(array_agg(s.id), '{}') INTO v_settled FROM settled s;
  INSERT INTO job_output (id, job_id, index, worker_id, status, mime_type, content, error, created_at)
  SELECT gen_random_uuid(), o.job_id, o.index, p_worker_id, 'COMPLETED', o.mime, o.content, NULL, v_now
    FROM unnest(p_output_job_ids, p_indexes, p_mime, p_content) AS o(job_id, index, mime, content)
    WHERE o.job_id = ANY (v_settled);
  -- The timeline as cw_finish_job writes it: each job's outputs, then its settlement.
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT e.job_id, e.type, p_worker_id, e.data, v_now
    FROM (SELECT o.job_id, 'output' AS type, jsonb_build_object('index', o.index) AS data, 0 AS step, o.index
            FROM unnest(p_output_job_ids, p_indexes) AS o(job_id, index) WHERE o.job_id = ANY (v_settled)
          UNION ALL
          SELECT s.id, 'settled', jsonb_build_object('status', 'COMPLETED', 'refunded', 0, 'errorCode', NULL, 'goodwill', false), 1, 0
            FROM unnest(v_settled) AS s(id)) e
    ORDER BY e.job_id, e.step, e.index;
  RETURN QUERY
  SELECT f.id, CASE
      WHEN f.id = ANY (v_settled) THEN 'SETTLED'
      WHEN EXISTS (SELECT 1 FROM job j WHERE j.id = f.id AND j.status = 'PROCESSING' AND j.lease_owner = p_worker_id) THEN 'REFUNDS'
      ELSE 'LEASE_LOST' END
    FROM unnest(p_job_ids) AS f(id);
END $$;
