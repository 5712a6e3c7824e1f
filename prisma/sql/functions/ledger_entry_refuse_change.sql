-- ledger_entry_refuse_change: The ledger is append-only: refuses UPDATE,
-- DELETE and TRUNCATE of ledger_entry.
--
-- Trigger: ledger_entry_append_only, ledger_entry_no_truncate (ON
--   ledger_entry)
-- Guards: §3.10.
-- History: created in 20261125000100_invariants, never replaced.
CREATE OR REPLACE FUNCTION ledger_entry_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entry is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
