-- cw_release_leases: Gives back the jobs a stopping worker still holds:
-- PENDING again (outputs kept), the attempt returned (a graceful release is
-- not a failed attempt), requeued.
--
-- Guards: §3.8 (liveness), §3.9 (outputs kept, not redone).
-- History: created in 20261130120000_money_functions, never replaced.
CREATE OR REPLACE FUNCTION cw_release_leases(p_worker_id text, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_job record;
  v_count integer := 0;
BEGIN
  PERFORM cw_assert_serializable();
  FOR v_job IN
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        attempts = greatest(attempts - 1, 0), updated_at = clock_timestamp()
      WHERE status = 'PROCESSING' AND lease_owner = p_worker_id
      RETURNING id, user_id
  LOOP
    PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_job.id, 'userId', v_job.user_id), max_attempts := 5);
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    VALUES (v_job.id, 'recovered', p_worker_id, jsonb_build_object('reason', p_reason), clock_timestamp());
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$;
