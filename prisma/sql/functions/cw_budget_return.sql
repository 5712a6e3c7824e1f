-- cw_budget_return: Gives budget back for refunds of jobs: each job's refund
-- (p_amounts, in the order of p_job_ids) returns to every budget the job was
-- charged to, in the period of the job's created_at (the period it was
-- charged in, whatever the clock says now). A job charged to no budget costs
-- one read of its row by key; each budget and spend row is read and written
-- by key, one at a time (no scan whose predicate lock would tie accounts
-- together at SERIALIZABLE).
-- Its reads are by key and it runs with enable_seqscan off: on a small table
-- the planner would scan, and at SERIALIZABLE a sequential scan takes a
-- relation-wide predicate lock that every other account's budget write then
-- conflicts with (PostgreSQL manual, "Serializable Isolation Level").
--
-- Guards: §3.14 (refunds give budget back; spent stays ≥ 0 by CHECK).
-- History: created in 20261207124830_budget_functions.
CREATE OR REPLACE FUNCTION cw_budget_return(p_job_ids uuid[], p_amounts integer[]) RETURNS void
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  v_ord integer;
  v_job record;
  v_budget_id bigint;
  v_budget budget;
BEGIN
  FOR v_ord IN 1 .. COALESCE(cardinality(p_job_ids), 0) LOOP
    SELECT budget_ids, created_at INTO STRICT v_job FROM job WHERE id = p_job_ids[v_ord];
    FOREACH v_budget_id IN ARRAY v_job.budget_ids LOOP
      SELECT * INTO STRICT v_budget FROM budget WHERE id = v_budget_id;
      UPDATE budget_spend SET spent = spent - p_amounts[v_ord]
       WHERE budget_id = v_budget_id
         AND period_start = budget_period_start(v_budget.period, v_budget.time_zone, v_job.created_at);
      IF NOT FOUND THEN
        RAISE EXCEPTION 'job % was counted against budget % but its period has no spend row', p_job_ids[v_ord], v_budget_id
          USING ERRCODE = 'CW500';
      END IF;
    END LOOP;
  END LOOP;
END $$;
