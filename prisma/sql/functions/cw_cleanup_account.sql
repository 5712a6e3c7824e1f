-- cw_cleanup_account: One account's stuck jobs in one transaction (the
-- cleanup, SPEC §5): jobs past their deadline are failed (undelivered outputs
-- refunded); jobs whose worker died (lease expired) are requeued with their
-- outputs kept, until p_max_attempts, then failed. Each job's own guard is
-- re-checked, so a job a worker or another cleanup ended meanwhile is left
-- alone. The pass also sweeps the account's grants (expired ones close,
-- effective ones open) and refreshes them again only when one falls due
-- during the pass (cw_grants_due_at). Concurrent cleanups divide the
-- accounts: one that cannot take the account's advisory lock skips it.
--
-- Guards: §3.8 liveness; §3.4 through cw_settle_job; §3.12 (after a sweep no
--   live grant is past its expiry).
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261201000000_cleanup_divides_accounts,
--   20261201100000_lean_settlement, 20261207021800_public_enqueue,
--   20261207044933_settlement_texts_in_sql: this is the text of the last.
CREATE OR REPLACE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_stuck record;
  v_attempts integer;
  v_settled record;
  v_requeued uuid[] := '{}';
  v_failed integer := 0;
  v_refunded integer := 0;
  v_grants_expired integer;
  v_grants_due_at timestamptz;
BEGIN
  PERFORM cw_assert_serializable();
  IF NOT pg_try_advisory_xact_lock(hashtext('cw_cleanup_account'), hashtext(p_user_id)) THEN
    RETURN QUERY SELECT 0, 0, 0, 0;
    RETURN;
  END IF;
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  v_grants_expired := cw_refresh_grants(p_user_id);
  v_grants_due_at := cw_grants_due_at(p_user_id);
  FOR v_stuck IN
    SELECT o.id, true AS overdue FROM unnest(p_overdue) AS o(id)
    UNION ALL
    SELECT e.id, false FROM unnest(p_expired) AS e(id)
  LOOP
    IF v_grants_due_at <= clock_timestamp() THEN
      v_grants_expired := v_grants_expired + cw_refresh_grants(p_user_id);
      v_grants_due_at := cw_grants_due_at(p_user_id);
    END IF;
    IF v_stuck.overdue THEN
      SELECT * INTO v_settled FROM cw_settle_job(v_stuck.id, 'FAILED', 'overdue', NULL, 'SYSTEM', 'cleanup',
        'TIMEOUT', NULL, false, NULL, true);
    ELSE
      UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
        WHERE id = v_stuck.id AND user_id = p_user_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
          AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
        RETURNING attempts INTO v_attempts;
      IF FOUND THEN
        v_requeued := v_requeued || v_stuck.id;
        INSERT INTO job_event (job_id, type, worker_id, data, created_at)
        VALUES (v_stuck.id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
        CONTINUE;
      END IF;
      SELECT * INTO v_settled FROM cw_settle_job(v_stuck.id, 'FAILED', 'lease-expired', NULL, 'SYSTEM', 'cleanup',
        'WORKER_LOST', format('The worker stopped responding %s times.', p_max_attempts), false,
        NULL, true);
    END IF;
    IF v_settled.settled THEN
      v_failed := v_failed + 1;
      IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
    END IF;
  END LOOP;
  PERFORM cw_enqueue_run_jobs(v_requeued, array_fill(p_user_id, ARRAY[cardinality(v_requeued)]));
  RETURN QUERY SELECT cardinality(v_requeued), v_failed, v_refunded, v_grants_expired;
END $$;
