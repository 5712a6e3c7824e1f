-- cw_finish_job: The end of a worker's run in one transaction: the outputs it
-- has not written yet, counted by the settlement's own UPDATE (fenced by its
-- lease). The final status and the refund are decided first, so the workspace row
-- is locked before the job row (and only when credits come back). p_status:
-- NULL = generation finished (COMPLETED, or FAILED with ALL_OUTPUTS_FAILED
-- when nothing was delivered); 'FAILED' = the provider or the deadline ended
-- it. outcome: SETTLED | LEASE_LOST.
--
-- Guards: §3.4 (refund = undelivered outputs, once), §3.5 (a late worker
--   changes nothing), §3.9 (unique (job, index)).
-- History: created in 20261130120000_money_functions, replaced in
--   20261201100000_lean_settlement, 20261207044933_settlement_texts_in_sql,
--   20261207144716_workspace_functions: this is the text of the last.
CREATE OR REPLACE FUNCTION cw_finish_job(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[],
  p_status "JobStatus", p_error_code text, p_error_message text
) RETURNS TABLE (outcome text, status text, refunded integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_ok integer;
  v_failed integer;
  v_status "JobStatus" := p_status;
  v_error_code text := p_error_code;
  v_error_message text := p_error_message;
  v_settled record;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT * INTO v_job FROM job WHERE id = p_job_id;
  IF NOT FOUND OR NOT cw_guard_holds(v_job, 'lease', p_worker_id) THEN
    RETURN QUERY SELECT 'LEASE_LOST'::text, NULL::text, 0;
    RETURN;
  END IF;
  SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) INTO v_ok, v_failed FROM unnest(p_ok) AS t(ok);
  IF v_status IS NULL THEN
    IF v_job.outputs_done + v_ok = 0 THEN
      v_status := 'FAILED';
      v_error_code := 'ALL_OUTPUTS_FAILED';
    ELSE
      v_status := 'COMPLETED';
    END IF;
  END IF;
  IF v_job.outputs_done + v_ok < v_job.outputs_requested THEN
    PERFORM 1 FROM workspace WHERE id = v_job.workspace_id FOR UPDATE;
  END IF;
  IF cardinality(p_indexes) > 0 THEN
    PERFORM cw_insert_outputs(p_job_id, p_worker_id, p_indexes, p_ok, p_mime, p_content, p_error);
  END IF;
  SELECT * INTO v_settled FROM cw_settle_job(p_job_id, v_status, 'lease', p_worker_id, 'SYSTEM', p_worker_id,
    v_error_code, v_error_message, false, NULL, false, v_ok, v_failed);
  IF NOT v_settled.settled THEN
    RAISE EXCEPTION 'lease of job % changed under a serializable finish', p_job_id USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT 'SETTLED'::text, v_status::text, v_settled.refunded;
END $$;
