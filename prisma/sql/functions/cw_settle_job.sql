-- cw_settle_job: Ends a job (the only way one ends) if p_guard still holds,
-- and refunds the outputs not delivered — or the whole cost for an admin's
-- goodwill force-fail — exactly once. The refund is known before anything is
-- written, so the workspace row is locked first, and only when credits move; the
-- account's grants are brought up to date before a refund, so that credits
-- returned to a grant past its expiry expire with it. Without p_reason or
-- p_error_message it writes its own (cw_refund_reason, cw_job_error_message).
-- p_account_ready: the
-- caller already holds the workspace row and refreshed the grants (the cleanup).
-- p_more_done, p_more_failed: outputs a worker's finish writes with the
-- settlement, counted in the job's one UPDATE.
--
-- Guards: §3.4 (at most one refund, = undelivered outputs; goodwill = whole
--   cost), §3.5 (terminal states are final).
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261201100000_lean_settlement,
--   20261207044933_settlement_texts_in_sql, 20261207144716_workspace_functions: this is
--   the text of the last.
CREATE OR REPLACE FUNCTION cw_settle_job(
  p_job_id uuid, p_status "JobStatus", p_guard text, p_worker_id text,
  p_actor_type "ActorType", p_actor_id text, p_error_code text, p_error_message text,
  p_goodwill boolean, p_reason text, p_account_ready boolean DEFAULT false,
  p_more_done integer DEFAULT 0, p_more_failed integer DEFAULT 0
) RETURNS TABLE (settled boolean, refunded integer, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_refund integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT * INTO v_job FROM job WHERE id = p_job_id;
  IF NOT FOUND OR NOT cw_guard_holds(v_job, p_guard, p_worker_id) THEN
    RETURN QUERY SELECT false, 0, v_job;
    RETURN;
  END IF;
  v_refund := CASE WHEN p_goodwill THEN v_job.total_cost
                   ELSE (v_job.outputs_requested - v_job.outputs_done - p_more_done) * v_job.price_per_output END;
  IF v_refund > 0 AND NOT p_account_ready THEN
    PERFORM 1 FROM workspace WHERE id = v_job.workspace_id FOR UPDATE;
    PERFORM cw_refresh_grants(v_job.workspace_id);
  END IF;
  UPDATE job SET
      status = p_status, refunded_amount = v_refund, refund_whole_cost = p_goodwill,
      outputs_done = outputs_done + p_more_done, outputs_failed = outputs_failed + p_more_failed,
      error_code = p_error_code, error_message = COALESCE(p_error_message, cw_job_error_message(p_error_code)),
      lease_owner = NULL, lease_expires_at = NULL,
      finished_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status IN ('PENDING', 'PROCESSING')
    RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % changed under a serializable settlement', p_job_id USING ERRCODE = 'CW500';
  END IF;
  IF v_refund > 0 THEN
    PERFORM cw_ledger_post(v_job.workspace_id, 'REFUND', v_refund, p_job_id, p_actor_type, p_actor_id,
      COALESCE(p_reason, cw_refund_reason(p_status, p_error_code, p_goodwill)), NULL);
  END IF;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (p_job_id, 'settled', p_worker_id,
          jsonb_build_object('status', p_status, 'refunded', v_refund, 'errorCode', p_error_code, 'goodwill', p_goodwill),
          clock_timestamp());
  RETURN QUERY SELECT true, v_refund, v_job;
END $$;
