-- cw_remove_budget: Ends one live budget of the account (what was spent
-- against it stays, with its periods). outcome: REMOVED | NOT_FOUND.
--
-- Guards: §3.14 (the ledger is never touched).
-- History: created in 20261207124830_budget_functions, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_remove_budget(p_workspace_id text, p_actor_user_id text, p_budget_id bigint)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_old budget;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM workspace WHERE id = p_workspace_id FOR UPDATE;
  UPDATE budget SET removed_at = clock_timestamp(), updated_at = clock_timestamp()
   WHERE id = p_budget_id AND workspace_id = p_workspace_id AND removed_at IS NULL
  RETURNING * INTO v_old;
  IF NOT FOUND THEN
    RETURN 'NOT_FOUND';
  END IF;
  INSERT INTO budget_change (budget_id, actor_user_id, action, before, after, created_at)
  VALUES (v_old.id, p_actor_user_id, 'REMOVE',
          jsonb_build_object('id', v_old.id::text, 'period', v_old.period, 'limitCredits', v_old.limit_credits,
            'timeZone', v_old.time_zone), NULL, clock_timestamp());
  RETURN 'REMOVED';
END $$;
