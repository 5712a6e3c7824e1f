-- cw_claim_job: A worker takes a PENDING job with a lease (while attempts <
-- p_max_attempts and before its deadline), and learns which outputs a
-- previous attempt already delivered, so that a recovered job makes only the
-- rest.
--
-- Guards: §3.8 (bounded attempts), §3.9 (no duplicate outputs); §3.5 through
--   trigger job_transition.
-- History: created in 20261130120000_money_functions, never replaced.
CREATE OR REPLACE FUNCTION cw_claim_job(p_job_id uuid, p_worker_id text, p_lease_ms integer, p_max_attempts integer)
RETURNS TABLE (j job, done_indexes integer[])
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
BEGIN
  PERFORM cw_assert_serializable();
  UPDATE job SET
      status = 'PROCESSING', lease_owner = p_worker_id,
      lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
      attempts = attempts + 1, started_at = COALESCE(started_at, clock_timestamp()),
      heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status = 'PENDING' AND deadline_at > clock_timestamp() AND attempts < p_max_attempts
    RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (p_job_id, 'claimed', p_worker_id, jsonb_build_object('attempt', v_job.attempts), clock_timestamp());
  -- A first attempt has no outputs yet: only a recovered job reads them.
  RETURN QUERY SELECT v_job, CASE WHEN v_job.attempts = 1 THEN '{}'::integer[]
    ELSE COALESCE((SELECT array_agg(index ORDER BY index) FROM job_output WHERE job_id = p_job_id), '{}') END;
END $$;
