-- cw_open_budget_periods: Opens the spend rows (spent 0) of the periods that
-- start within p_ahead for every live MONTH budget, and the current
-- period's row of any live budget that has none, so that the first creates
-- of a month only update their row: an INSERT into budget_spend's index at
-- SERIALIZABLE would conflict with every account whose create read the same
-- index page. Run by the maintenance pass; returns the rows it opened.
--
-- Guards: §3.14 (each row starts at 0 with the budget's limit; the charge
--   still inserts a row that is missing, so a late pass costs only conflicts).
-- History: created in 20261207124830_budget_functions.
CREATE OR REPLACE FUNCTION cw_open_budget_periods(p_ahead interval) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_opened integer;
BEGIN
  PERFORM cw_assert_serializable();
  INSERT INTO budget_spend (budget_id, period_start, limit_credits, spent)
  SELECT b.id, p.start, b.limit_credits, 0
    FROM budget b
   CROSS JOIN LATERAL (
     SELECT budget_period_start(b.period, b.time_zone, v_now) AS start
     UNION
     SELECT budget_resets_at(b.period, b.time_zone, v_now)
      WHERE b.period = 'MONTH' AND budget_resets_at(b.period, b.time_zone, v_now) <= v_now + p_ahead
   ) p
   WHERE b.removed_at IS NULL
  ON CONFLICT (budget_id, period_start) DO NOTHING;
  GET DIAGNOSTICS v_opened = ROW_COUNT;
  RETURN v_opened;
END $$;
