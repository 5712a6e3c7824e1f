-- cw_budget_charge: Counts a new job's cost against each budget it names
-- (job.budget_ids, chosen by cw_budget_room), in the period that holds its
-- created_at. The CHECK (spent <= limit_credits) of budget_spend refuses what
-- the room check let through by mistake. Each budget and its period's row
-- are read by key, one at a time, and the period's row normally exists
-- (cw_set_budget and cw_open_budget_periods open it), so the count is an
-- UPDATE of an unindexed column (HOT on budget_spend's half-empty pages): at
-- SERIALIZABLE neither a scan nor a new index entry ties one account's
-- creates to another's. Crossing 80 % or 100 % of a limit
-- writes a budget.threshold event (webhooks) and queues a mail to the owner,
-- once per budget, period and threshold.
-- Its reads are by key and it runs with enable_seqscan off: on a small table
-- the planner would scan, and at SERIALIZABLE a sequential scan takes a
-- relation-wide predicate lock that every other account's budget write then
-- conflicts with (PostgreSQL manual, "Serializable Isolation Level").
--
-- Guards: §3.14 (spent never exceeds the limit: the room check, then the CHECK).
-- History: created in 20261207124830_budget_functions, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_budget_charge(p_job job) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  v_budget_id bigint;
  v_budget budget;
  v_spend budget_spend;
  v_period_start timestamptz;
  v_threshold integer;
BEGIN
  FOREACH v_budget_id IN ARRAY p_job.budget_ids LOOP
    SELECT * INTO STRICT v_budget FROM budget WHERE id = v_budget_id;
    v_period_start := budget_period_start(v_budget.period, v_budget.time_zone, p_job.created_at);
    UPDATE budget_spend SET spent = spent + p_job.total_cost
     WHERE budget_id = v_budget.id AND period_start = v_period_start
    RETURNING * INTO v_spend;
    IF NOT FOUND THEN
      INSERT INTO budget_spend (budget_id, period_start, limit_credits, spent)
      VALUES (v_budget.id, v_period_start, v_budget.limit_credits, p_job.total_cost)
      ON CONFLICT (budget_id, period_start) DO UPDATE SET spent = budget_spend.spent + EXCLUDED.spent
      RETURNING * INTO v_spend;
    END IF;
    v_threshold := CASE
      WHEN v_spend.spent >= v_spend.limit_credits AND v_spend.notified_100_at IS NULL THEN 100
      WHEN v_spend.spent * 5 >= v_spend.limit_credits * 4 AND v_spend.notified_80_at IS NULL THEN 80
    END;
    IF v_threshold IS NOT NULL THEN
      -- Crossing 100 % also passes 80 %: one event says the higher.
      UPDATE budget_spend SET notified_80_at = COALESCE(notified_80_at, clock_timestamp()),
             notified_100_at = CASE WHEN v_threshold = 100 THEN clock_timestamp() END
       WHERE budget_id = v_spend.budget_id AND period_start = v_spend.period_start;
      PERFORM cw_emit_event(v_budget.workspace_id, 'budget.threshold', jsonb_build_object(
        'budget', jsonb_build_object('id', v_budget.id::text, 'scope', v_budget.scope, 'period', v_budget.period,
                                     'apiKeyId', v_budget.api_key_id, 'limitCredits', v_spend.limit_credits),
        'thresholdPercent', v_threshold, 'spentCredits', v_spend.spent,
        'periodStart', v_spend.period_start,
        'resetsAt', budget_resets_at(v_budget.period, v_budget.time_zone, p_job.created_at)));
      PERFORM graphile_worker.add_job('budget-threshold-mail',
        json_build_object('budgetId', v_budget.id::text, 'periodStart', v_spend.period_start, 'threshold', v_threshold),
        max_attempts := 10,
        job_key := 'budget-threshold:' || v_budget.id || ':' || extract(epoch FROM v_spend.period_start)::bigint || ':' || v_threshold,
        job_key_mode := 'preserve_run_at');
    END IF;
  END LOOP;
END $$;
