-- cw_settle_stuck_jobs: The cleanup's settlement of one account's stuck jobs,
-- as a set: what cw_settle_job does for one job (the same guards, refund,
-- texts and timeline event), in one UPDATE of the jobs, one insert of their
-- events and one posting of their refunds (cw_ledger_post_refunds). Jobs of
-- p_overdue still active and past their deadline fail with TIMEOUT; jobs of
-- p_expired still PROCESSING with an expired lease (the cleanup requeued
-- those it could first) fail with WORKER_LOST. A job a worker, a cancel or
-- another cleanup ended meanwhile no longer matches its guard and is left
-- alone. The caller holds the workspace row and has brought the grants up to the
-- clock (cw_cleanup_account).
--
-- Guards: §3.4 (one refund = the outputs not delivered, through
--   cw_ledger_post_refunds), §3.5 (only active jobs whose guard holds end).
-- History: created in 20261207060000_cleanup_settles_a_set, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_settle_stuck_jobs(p_workspace_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (failed integer, refunded integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_failed integer;
  v_job_ids uuid[];
  v_amounts integer[];
  v_reasons text[];
BEGIN
  PERFORM cw_assert_serializable();
  WITH stuck AS (
    SELECT o.id, 'TIMEOUT' AS code, o.ord FROM unnest(p_overdue) WITH ORDINALITY AS o(id, ord)
    UNION ALL
    SELECT e.id, 'WORKER_LOST', cardinality(p_overdue) + e.ord FROM unnest(p_expired) WITH ORDINALITY AS e(id, ord)
  ), settled AS (
    UPDATE job j SET
        status = 'FAILED', refunded_amount = (j.outputs_requested - j.outputs_done) * j.price_per_output,
        refund_whole_cost = false, error_code = s.code,
        error_message = CASE s.code WHEN 'TIMEOUT' THEN cw_job_error_message(s.code)
                                    ELSE format('The worker stopped responding %s times.', p_max_attempts) END,
        lease_owner = NULL, lease_expires_at = NULL, finished_at = clock_timestamp(), updated_at = clock_timestamp()
      FROM stuck s
     -- The guards of cw_guard_holds ('overdue', 'lease-expired'), written out:
     -- called with the whole row, per job, it cost more than the rest of the check.
     WHERE j.id = s.id AND j.workspace_id = p_workspace_id AND j.status IN ('PENDING', 'PROCESSING')
       AND CASE s.code WHEN 'TIMEOUT' THEN j.deadline_at < clock_timestamp()
                       ELSE j.status = 'PROCESSING' AND j.lease_expires_at < clock_timestamp() END
    RETURNING j.id, j.refunded_amount, s.code, s.ord
  ), events AS (
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    SELECT id, 'settled', NULL,
           jsonb_build_object('status', 'FAILED', 'refunded', refunded_amount, 'errorCode', code, 'goodwill', false),
           clock_timestamp()
      FROM settled
  )
  SELECT count(*)::integer,
         array_agg(id ORDER BY ord) FILTER (WHERE refunded_amount > 0),
         array_agg(refunded_amount ORDER BY ord) FILTER (WHERE refunded_amount > 0),
         array_agg(cw_refund_reason('FAILED', code, false) ORDER BY ord) FILTER (WHERE refunded_amount > 0)
    INTO v_failed, v_job_ids, v_amounts, v_reasons
    FROM settled;
  IF v_job_ids IS NOT NULL THEN
    PERFORM cw_ledger_post_refunds(p_workspace_id, v_job_ids, v_amounts, 'SYSTEM', 'cleanup', v_reasons);
  END IF;
  RETURN QUERY SELECT v_failed, COALESCE(cardinality(v_job_ids), 0);
END $$;
