-- job_output_refuse_change: Outputs are written once: a recovered job only
-- adds the missing ones.
--
-- Trigger: job_output_write_once (BEFORE UPDATE OR DELETE ON job_output)
-- Guards: §3.9.
-- History: created in 20261125000100_invariants, never replaced.
CREATE OR REPLACE FUNCTION job_output_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'job_output is write-once: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
