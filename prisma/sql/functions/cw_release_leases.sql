-- cw_release_leases: Gives back the jobs a stopping worker still holds:
-- PENDING again (outputs kept), the attempt returned (a graceful release is
-- not a failed attempt), requeued.
--
-- Guards: §3.8 (liveness), §3.9 (outputs kept, not redone).
-- History: created in 20261130120000_money_functions, replaced in
--   20261207021800_public_enqueue, 20261207144716_workspace_functions: this is the text of
--   the last.
CREATE OR REPLACE FUNCTION cw_release_leases(p_worker_id text, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_job_ids uuid[];
  v_workspace_ids text[];
BEGIN
  PERFORM cw_assert_serializable();
  WITH released AS (
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        attempts = greatest(attempts - 1, 0), updated_at = clock_timestamp()
      WHERE status = 'PROCESSING' AND lease_owner = p_worker_id
      RETURNING id, workspace_id
  )
  SELECT COALESCE(array_agg(id), '{}'), COALESCE(array_agg(workspace_id), '{}') INTO v_job_ids, v_workspace_ids FROM released;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT r.id, 'recovered', p_worker_id, jsonb_build_object('reason', p_reason), clock_timestamp()
    FROM unnest(v_job_ids) AS r(id);
  PERFORM cw_enqueue_run_jobs(v_job_ids, v_workspace_ids);
  RETURN cardinality(v_job_ids);
END $$;
