-- cw_cleanup_account: One account's stuck jobs in one transaction (the
-- cleanup, SPEC §5), as sets: jobs whose worker died (lease expired) are
-- requeued with their outputs kept until p_max_attempts (one UPDATE, one
-- insert of their events, one add_jobs), the others failed — past their
-- deadline, or out of attempts — with their undelivered outputs refunded
-- (cw_settle_stuck_jobs). Each job's own guard is re-checked, so a job a
-- worker or another cleanup ended meanwhile is left alone. The pass also
-- sweeps the account's grants (expired ones close, effective ones open), and
-- again before the refunds when one fell due meanwhile (cw_grants_due_at), so
-- that credits returned to a grant past its expiry expire with it. Concurrent
-- cleanups divide the accounts: one that cannot take the account's advisory
-- lock skips it.
--
-- Guards: §3.8 liveness; §3.4 through cw_settle_stuck_jobs; §3.12 (after a
--   sweep no live grant is past its expiry).
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261201000000_cleanup_divides_accounts,
--   20261201100000_lean_settlement, 20261207021800_public_enqueue,
--   20261207044933_settlement_texts_in_sql,
--   20261207060000_cleanup_settles_a_set, 20261207144716_workspace_functions: this is the
--   text of the last.
CREATE OR REPLACE FUNCTION cw_cleanup_account(p_workspace_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_requeued uuid[];
  v_settled record;
  v_grants_expired integer;
BEGIN
  PERFORM cw_assert_serializable();
  IF NOT pg_try_advisory_xact_lock(hashtext('cw_cleanup_account'), hashtext(p_workspace_id)) THEN
    RETURN QUERY SELECT 0, 0, 0, 0;
    RETURN;
  END IF;
  PERFORM 1 FROM workspace WHERE id = p_workspace_id FOR UPDATE;
  v_grants_expired := cw_refresh_grants(p_workspace_id);
  WITH requeued AS (
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
     WHERE id = ANY (p_expired) AND workspace_id = p_workspace_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
       AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
    RETURNING id, attempts
  ), events AS (
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    SELECT id, 'recovered', NULL, jsonb_build_object('attempts', attempts), clock_timestamp() FROM requeued
  )
  SELECT COALESCE(array_agg(id), '{}') INTO v_requeued FROM requeued;
  PERFORM cw_enqueue_run_jobs(v_requeued, array_fill(p_workspace_id, ARRAY[cardinality(v_requeued)]));
  IF cw_grants_due_at(p_workspace_id) <= clock_timestamp() THEN
    v_grants_expired := v_grants_expired + cw_refresh_grants(p_workspace_id);
  END IF;
  SELECT * INTO v_settled FROM cw_settle_stuck_jobs(p_workspace_id, p_overdue, p_expired, p_max_attempts);
  RETURN QUERY SELECT cardinality(v_requeued), v_settled.failed, v_settled.refunded, v_grants_expired;
END $$;
