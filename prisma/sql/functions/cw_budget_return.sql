-- cw_budget_return: Gives budget back for refunds of jobs: each job's refund
-- (p_amounts, in the order of p_job_ids) returns to every budget the job was
-- charged to, in the period of the job's created_at (the period it was
-- charged in, whatever the clock says now). A job charged to no budget costs
-- one read of its row by key.
--
-- Guards: §3.14 (refunds give budget back; spent stays ≥ 0 by CHECK).
-- History: created in 20261207122004_budget_functions.
CREATE OR REPLACE FUNCTION cw_budget_return(p_job_ids uuid[], p_amounts integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_job record;
BEGIN
  FOR v_job IN
    SELECT j.budget_ids, j.created_at, t.amount
      FROM unnest(p_job_ids, p_amounts) AS t(job_id, amount)
      JOIN job j ON j.id = t.job_id
     WHERE cardinality(j.budget_ids) > 0
  LOOP
    UPDATE budget_spend s SET spent = s.spent - v_job.amount
      FROM budget b
     WHERE b.id = ANY (v_job.budget_ids) AND s.budget_id = b.id
       AND s.period_start = budget_period_start(b.period, b.time_zone, v_job.created_at);
  END LOOP;
END $$;
