-- budget_resets_at: When the budget period that holds p_at ends (the next
-- calendar month's first instant in p_time_zone); NULL for TOTAL, which never
-- resets.
--
-- Guards: none (what BUDGET_EXCEEDED and the budgets page say).
-- History: created in 20261207124830_budget_functions.
CREATE OR REPLACE FUNCTION budget_resets_at(p_period "BudgetPeriod", p_time_zone text, p_at timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE p_period
    WHEN 'TOTAL' THEN NULL
    ELSE (date_trunc('month', p_at AT TIME ZONE p_time_zone) + interval '1 month') AT TIME ZONE p_time_zone
  END
$$;
