-- cw_refund_reason: The ledger reason of a job's refund, from what ended it:
-- the one place it is written (the settlement uses it when its caller
-- passes no reason).
--
-- Guards: §3.4 (a goodwill refund says so in its reason).
-- History: created in 20261207044933_settlement_texts_in_sql.
CREATE OR REPLACE FUNCTION cw_refund_reason(p_status "JobStatus", p_error_code text, p_goodwill boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_goodwill THEN 'Goodwill refund of the whole cost (job failed by an admin)'
    WHEN p_status = 'COMPLETED' THEN 'Undelivered outputs'
    WHEN p_status = 'CANCELLED' THEN 'Job cancelled: undelivered outputs'
    ELSE 'Job failed' || COALESCE(' (' || p_error_code || ')', '') || ': undelivered outputs'
  END
$$;
