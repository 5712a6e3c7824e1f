-- cw_write_outputs: Outputs written while the job runs, with its progress,
-- fenced by the lease and renewing it. False, with nothing written, when the
-- lease is gone.
--
-- Guards: §3.9 (no duplicate outputs), §3.5 (a late worker's write changes
--   nothing).
-- History: created in 20261130120000_money_functions, replaced in
--   20261201100000_lean_settlement: this is the text of the last.
CREATE OR REPLACE FUNCTION cw_write_outputs(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[]
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cw_assert_serializable();
  UPDATE job SET
      outputs_done = outputs_done + (SELECT count(*) FROM unnest(p_ok) AS t(ok) WHERE ok),
      outputs_failed = outputs_failed + (SELECT count(*) FROM unnest(p_ok) AS t(ok) WHERE NOT ok),
      lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
      heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status = 'PROCESSING' AND lease_owner = p_worker_id;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM cw_insert_outputs(p_job_id, p_worker_id, p_indexes, p_ok, p_mime, p_content, p_error);
  RETURN true;
END $$;
