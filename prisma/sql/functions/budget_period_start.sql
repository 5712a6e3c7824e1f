-- budget_period_start: The start of the budget period that holds p_at: the
-- first instant of its calendar month in p_time_zone for MONTH, the epoch for
-- TOTAL (one period for ever). A job's charge and its refund both use the
-- job's created_at, so a refund returns budget to the period it was charged in.
--
-- Guards: §3.14 (a period is a pure function of the clock: moving to a new
--   period rewrites nothing).
-- History: created in 20261207124830_budget_functions.
CREATE OR REPLACE FUNCTION budget_period_start(p_period "BudgetPeriod", p_time_zone text, p_at timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE p_period
    WHEN 'TOTAL' THEN 'epoch'::timestamptz
    ELSE date_trunc('month', p_at AT TIME ZONE p_time_zone) AT TIME ZONE p_time_zone
  END
$$;
