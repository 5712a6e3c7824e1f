-- job_check_transition: Terminal states are final, and only the transitions
-- of SPEC §2 exist: PENDING → PROCESSING | FAILED | CANCELLED, PROCESSING →
-- COMPLETED | FAILED | CANCELLED | PENDING (recovery).
--
-- Trigger: job_transition (BEFORE UPDATE ON job)
-- Guards: §3.5.
-- History: created in 20261125000100_invariants, never replaced.
CREATE OR REPLACE FUNCTION job_check_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED') THEN
    RAISE EXCEPTION 'job % is % and final: update refused', OLD.id, OLD.status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.status = OLD.status
     OR (OLD.status = 'PENDING' AND NEW.status IN ('PROCESSING', 'FAILED', 'CANCELLED'))
     OR (OLD.status = 'PROCESSING' AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'PENDING')) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'job % cannot go from % to %', OLD.id, OLD.status, NEW.status
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
