-- Invariants of SPEC §3 that the database enforces by itself, so that a bug
-- in application code cannot lose, double-charge or invent a credit. Each one
-- is asserted a second time by the integrity checks and the test suite.

-- §3.2 No overdraft.
ALTER TABLE "user" ADD CONSTRAINT user_balance_non_negative CHECK (balance >= 0);

-- §3.1 Conservation, per entry: after = before + amount, never below zero.
ALTER TABLE ledger_entry
  ADD CONSTRAINT ledger_entry_arithmetic CHECK (balance_after = balance_before + amount),
  ADD CONSTRAINT ledger_entry_non_negative CHECK (balance_before >= 0 AND balance_after >= 0),
  ADD CONSTRAINT ledger_entry_sign CHECK (
    (kind IN ('GRANT', 'PURCHASE', 'REFUND') AND amount > 0)
    OR (kind = 'CHARGE' AND amount < 0)
    OR (kind = 'ADJUSTMENT' AND amount <> 0)
  ),
  ADD CONSTRAINT ledger_entry_job_kinds CHECK (
    (kind IN ('CHARGE', 'REFUND')) = (job_id IS NOT NULL)
  );

-- §3.3 One charge per job, §3.4 at most one refund per job.
CREATE UNIQUE INDEX ledger_entry_one_charge_per_job ON ledger_entry (job_id) WHERE kind = 'CHARGE';
CREATE UNIQUE INDEX ledger_entry_one_refund_per_job ON ledger_entry (job_id) WHERE kind = 'REFUND';

-- Jobs: sane numbers; the refund never exceeds the charge.
ALTER TABLE job
  ADD CONSTRAINT job_outputs_range CHECK (outputs_requested BETWEEN 1 AND 4),
  ADD CONSTRAINT job_cost CHECK (price_per_output > 0 AND total_cost = price_per_output * outputs_requested),
  ADD CONSTRAINT job_progress CHECK (outputs_done >= 0 AND outputs_failed >= 0 AND outputs_done + outputs_failed <= outputs_requested),
  ADD CONSTRAINT job_refund_range CHECK (refunded_amount BETWEEN 0 AND total_cost),
  ADD CONSTRAINT job_terminal_has_no_lease CHECK (
    status IN ('PENDING', 'PROCESSING') OR (lease_owner IS NULL AND lease_expires_at IS NULL)
  );

ALTER TABLE job_output ADD CONSTRAINT job_output_index_range CHECK (index BETWEEN 0 AND 3);

-- §3.1 The chain, asserted where the write happens: a new entry must start
-- from the previous entry's balance_after and end at the user's current
-- balance (the ledger module updates the balance first, in the same
-- transaction, while holding the user row lock).
CREATE FUNCTION ledger_entry_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  previous_after integer;
  current_balance integer;
BEGIN
  SELECT balance_after INTO previous_after
    FROM ledger_entry WHERE user_id = NEW.user_id
    ORDER BY id DESC LIMIT 1;
  IF NEW.balance_before <> COALESCE(previous_after, 0) THEN
    RAISE EXCEPTION 'ledger chain broken for user %: balance_before % but previous balance_after %',
      NEW.user_id, NEW.balance_before, COALESCE(previous_after, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT balance INTO current_balance FROM "user" WHERE id = NEW.user_id;
  IF NEW.balance_after <> current_balance THEN
    RAISE EXCEPTION 'ledger entry for user % ends at % but the balance is %',
      NEW.user_id, NEW.balance_after, current_balance
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_entry_chain BEFORE INSERT ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_chain();

-- §3.10 The ledger is append-only.
CREATE FUNCTION ledger_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entry is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_refuse_change();

-- §3.5 Terminal states are final, and only the transitions of SPEC §2 exist:
-- PENDING → PROCESSING | FAILED | CANCELLED, PROCESSING → COMPLETED | FAILED
-- | CANCELLED | PENDING (recovery). Settlement fields freeze with the status.
CREATE FUNCTION job_check_transition() RETURNS trigger
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

CREATE TRIGGER job_transition BEFORE UPDATE ON job
  FOR EACH ROW EXECUTE FUNCTION job_check_transition();

-- Outputs are written once: a recovered job only adds the missing ones.
CREATE FUNCTION job_output_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'job_output is write-once: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER job_output_write_once BEFORE UPDATE OR DELETE ON job_output
  FOR EACH ROW EXECUTE FUNCTION job_output_refuse_change();

-- Integrity-page and cleanup helpers: find active jobs fast.
CREATE INDEX job_active_by_user ON job (user_id, created_at) WHERE status IN ('PENDING', 'PROCESSING');
