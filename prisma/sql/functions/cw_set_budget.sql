-- cw_set_budget: Sets the limit of the account's live budget of p_scope (and
-- p_api_key_id for API_KEY, p_member_user_id for MEMBER), creating it when
-- there is none. outcome: SET | BELOW_SPENT (detail = credits already spent
-- this period: a limit is never set below what was spent against it) |
-- NO_KEY (no live key of this account) | NO_MEMBER (p_member_user_id is not
-- a member of it) | BAD_TIME_ZONE. Changing the period or the time zone ends the old budget
-- and starts a new one (its spending starts over; nothing else is rewritten).
-- Every change is written to budget_change. The current period's spend row
-- is opened here (spent 0), so the creates that follow only update it.
--
-- Guards: §3.14 (spent ≤ limit also when the limit moves: the CHECK of
--   budget_spend; the ledger is never touched).
-- History: created in 20261207124830_budget_functions, replaced in
--   20261207144716_workspace_functions and 20261207150155_workspace_teams_functions
--   (the MEMBER scope).
CREATE OR REPLACE FUNCTION cw_set_budget(
  p_workspace_id text, p_actor_user_id text, p_scope "BudgetScope", p_api_key_id uuid, p_member_user_id text,
  p_period "BudgetPeriod", p_limit integer, p_time_zone text
) RETURNS TABLE (outcome text, detail integer, b budget)
LANGUAGE plpgsql AS $$
DECLARE
  v_old budget;
  v_new budget;
  v_spent integer;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM workspace WHERE id = p_workspace_id FOR UPDATE;
  IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_time_zone) THEN
    RETURN QUERY SELECT 'BAD_TIME_ZONE'::text, NULL::integer, NULL::budget;
    RETURN;
  END IF;
  IF p_scope = 'API_KEY' AND NOT EXISTS (
       SELECT 1 FROM api_key WHERE id = p_api_key_id AND workspace_id = p_workspace_id AND revoked_at IS NULL) THEN
    RETURN QUERY SELECT 'NO_KEY'::text, NULL::integer, NULL::budget;
    RETURN;
  END IF;
  IF p_scope = 'MEMBER' AND NOT EXISTS (
       SELECT 1 FROM workspace_member WHERE workspace_id = p_workspace_id AND user_id = p_member_user_id) THEN
    RETURN QUERY SELECT 'NO_MEMBER'::text, NULL::integer, NULL::budget;
    RETURN;
  END IF;
  SELECT * INTO v_old FROM budget
   WHERE workspace_id = p_workspace_id AND scope = p_scope AND api_key_id IS NOT DISTINCT FROM p_api_key_id
     AND member_user_id IS NOT DISTINCT FROM p_member_user_id AND removed_at IS NULL;
  IF FOUND AND v_old.period = p_period AND v_old.time_zone = p_time_zone THEN
    SELECT spent INTO v_spent FROM budget_spend
     WHERE budget_id = v_old.id AND period_start = budget_period_start(p_period, p_time_zone, clock_timestamp());
    IF COALESCE(v_spent, 0) > p_limit THEN
      RETURN QUERY SELECT 'BELOW_SPENT'::text, v_spent, v_old;
      RETURN;
    END IF;
    UPDATE budget SET limit_credits = p_limit, updated_at = clock_timestamp() WHERE id = v_old.id RETURNING * INTO v_new;
    -- The current period and any opened ahead take the new limit.
    UPDATE budget_spend SET limit_credits = p_limit
     WHERE budget_id = v_old.id AND period_start >= budget_period_start(p_period, p_time_zone, clock_timestamp());
  ELSE
    IF FOUND THEN
      UPDATE budget SET removed_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = v_old.id;
    END IF;
    INSERT INTO budget (workspace_id, scope, api_key_id, member_user_id, period, limit_credits, time_zone, created_at, updated_at)
    VALUES (p_workspace_id, p_scope, p_api_key_id, p_member_user_id, p_period, p_limit, p_time_zone, clock_timestamp(), clock_timestamp())
    RETURNING * INTO v_new;
  END IF;
  -- The current period's row exists before the first charge in it, so a
  -- create only updates it (see cw_budget_charge).
  INSERT INTO budget_spend (budget_id, period_start, limit_credits, spent)
  VALUES (v_new.id, budget_period_start(p_period, p_time_zone, clock_timestamp()), p_limit, 0)
  ON CONFLICT (budget_id, period_start) DO NOTHING;
  INSERT INTO budget_change (budget_id, actor_user_id, action, before, after, created_at)
  VALUES (v_new.id, p_actor_user_id, CASE WHEN v_old.id = v_new.id THEN 'LIMIT' ELSE 'CREATE' END,
          CASE WHEN v_old.id IS NOT NULL THEN jsonb_build_object('id', v_old.id::text, 'period', v_old.period,
            'limitCredits', v_old.limit_credits, 'timeZone', v_old.time_zone) END,
          jsonb_build_object('id', v_new.id::text, 'period', v_new.period, 'limitCredits', v_new.limit_credits,
            'timeZone', v_new.time_zone),
          clock_timestamp());
  RETURN QUERY SELECT 'SET'::text, NULL::integer, v_new;
END $$;
