-- Concurrent cleanups (every worker process runs its own schedule, and the
-- cron route may run beside them) divide the stuck accounts between them
-- instead of settling the same ones in lockstep. Before this, a second
-- cleanup reaching an account the first was settling waited on its user row
-- lock, then failed with a serialization error, retried, and found nothing
-- left to do: after a database crash, with a backlog of overdue jobs, two
-- workers' passes took as long together as one, or longer.
--
-- A cleanup now claims the account with a transaction-level advisory lock
-- (its own key space, so nothing else waits on it) and skips an account
-- another cleanup holds: that one re-checks and settles everything due on
-- the account, and whatever became due after its scan is settled by the
-- next pass of any process, within one interval.
CREATE OR REPLACE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_attempts integer;
  v_settled record;
  v_recovered integer := 0;
  v_failed integer := 0;
  v_refunded integer := 0;
  v_grants_expired integer;
BEGIN
  PERFORM cw_assert_serializable();
  IF NOT pg_try_advisory_xact_lock(hashtext('cw_cleanup_account'), hashtext(p_user_id)) THEN
    RETURN QUERY SELECT 0, 0, 0, 0;
    RETURN;
  END IF;
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  v_grants_expired := cw_refresh_grants(p_user_id);
  FOREACH v_id IN ARRAY p_overdue LOOP
    SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'overdue', NULL, 'SYSTEM', 'cleanup',
      'TIMEOUT', 'The job did not finish before its deadline.', false, 'Job failed (TIMEOUT): undelivered outputs');
    IF v_settled.settled THEN
      v_failed := v_failed + 1;
      IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
    END IF;
  END LOOP;
  FOREACH v_id IN ARRAY p_expired LOOP
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
      WHERE id = v_id AND user_id = p_user_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
        AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
      RETURNING attempts INTO v_attempts;
    IF FOUND THEN
      PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_id, 'userId', p_user_id), max_attempts := 5);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
      v_recovered := v_recovered + 1;
    ELSE
      SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'lease-expired', NULL, 'SYSTEM', 'cleanup',
        'WORKER_LOST', format('The worker stopped responding %s times.', p_max_attempts), false,
        'Job failed (WORKER_LOST): undelivered outputs');
      IF v_settled.settled THEN
        v_failed := v_failed + 1;
        IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
      END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT v_recovered, v_failed, v_refunded, v_grants_expired;
END $$;
