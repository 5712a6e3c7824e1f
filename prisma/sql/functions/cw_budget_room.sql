-- cw_budget_room: The live budgets that apply to a debit of p_cost by the
-- account p_workspace_id (its ACCOUNT budget, the MEMBER budget of the
-- acting member p_actor_user_id, and the API_KEY budget of p_api_key_id
-- when a key makes it), and the first of them the debit would
-- take over its limit in the period that holds p_at (NULL: room in every
-- one). Reads only; the caller holds the account's lock, so nothing can
-- spend between this answer and cw_budget_charge.
-- Its reads are by key and it runs with enable_seqscan off: on a small table
-- the planner would scan, and at SERIALIZABLE a sequential scan takes a
-- relation-wide predicate lock that every other account's budget write then
-- conflicts with (PostgreSQL manual, "Serializable Isolation Level").
--
-- Guards: §3.14 (checked inside the charge's SERIALIZABLE transaction, under
--   the account's lock, before anything is written).
-- History: created in 20261207124830_budget_functions, replaced in
--   20261207144716_workspace_functions and 20261207150155_workspace_teams_functions
--   (the MEMBER scope: decision 0012, step 2).
CREATE OR REPLACE FUNCTION cw_budget_room(p_workspace_id text, p_actor_user_id text, p_api_key_id uuid, p_cost integer, p_at timestamptz,
  OUT budget_ids bigint[], OUT over jsonb)
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
DECLARE
  v_budget record;
BEGIN
  budget_ids := '{}';
  FOR v_budget IN
    SELECT b.id, b.scope, b.period, b.limit_credits, b.time_zone, b.api_key_id, b.member_user_id, COALESCE(s.spent, 0) AS spent,
           budget_resets_at(b.period, b.time_zone, p_at) AS resets_at
      FROM budget b
      LEFT JOIN budget_spend s
        ON s.budget_id = b.id AND s.period_start = budget_period_start(b.period, b.time_zone, p_at)
     WHERE b.workspace_id = p_workspace_id AND b.removed_at IS NULL
       AND (b.scope = 'ACCOUNT' OR (b.scope = 'API_KEY' AND b.api_key_id = p_api_key_id)
            OR (b.scope = 'MEMBER' AND b.member_user_id = p_actor_user_id))
     ORDER BY b.id
  LOOP
    budget_ids := budget_ids || v_budget.id;
    IF over IS NULL AND v_budget.spent + p_cost > v_budget.limit_credits THEN
      over := jsonb_build_object('id', v_budget.id, 'scope', v_budget.scope, 'period', v_budget.period,
        'apiKeyId', v_budget.api_key_id, 'memberUserId', v_budget.member_user_id, 'limitCredits', v_budget.limit_credits, 'spentCredits', v_budget.spent,
        'remainingCredits', greatest(v_budget.limit_credits - v_budget.spent, 0), 'resetsAt', v_budget.resets_at);
    END IF;
  END LOOP;
END $$;
