-- cw_draw_credits: A debit's draws, in spending order (SPEC §7): priority,
-- then soonest expiry (never-expiring last), then oldest. The caller has
-- brought the account's grants up to date (cw_refresh_grants).
--
-- Guards: §3.12 (the draws of a debit sum to it; remaining never below 0).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_draw_credits(p_entry ledger_entry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_left integer := -p_entry.amount;
  v_grant record;
  v_take integer;
BEGIN
  FOR v_grant IN
    SELECT id, remaining FROM credit_grant
    WHERE workspace_id = p_entry.workspace_id AND closed_at IS NULL AND remaining > 0
    ORDER BY priority, expires_at NULLS LAST, effective_at, id
  LOOP
    v_take := least(v_left, v_grant.remaining);
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_grant.id, -v_take);
    v_left := v_left - v_take;
    EXIT WHEN v_left = 0;
  END LOOP;
  IF v_left > 0 THEN
    RAISE EXCEPTION 'the grants of workspace % hold % credits less than a debit of %', p_entry.workspace_id, v_left, -p_entry.amount
      USING ERRCODE = 'CW500';
  END IF;
END $$;
