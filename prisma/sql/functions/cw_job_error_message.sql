-- cw_job_error_message: The message a job ended by the system carries for its
-- error code, written once here (the settlement uses it when its caller
-- passes no message): a timeout, every output failing.
--
-- Guards: none (the text the user reads).
-- History: created in 20261207044933_settlement_texts_in_sql.
CREATE OR REPLACE FUNCTION cw_job_error_message(p_error_code text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_error_code
    WHEN 'TIMEOUT' THEN 'The job did not finish before its deadline.'
    WHEN 'ALL_OUTPUTS_FAILED' THEN 'No output could be generated.'
  END
$$;
