-- workspace_balance_matches_ledger: At COMMIT, from the workspace row's side:
-- a changed balance is where the ledger ends (workspace.ledger_tail), and
-- what the workspace's open grants hold. Deferred because the balance is updated first and the
-- entry inserted right after, in one transaction.
--
-- Trigger: workspace_balance_matches_ledger (constraint trigger, DEFERRABLE
--   INITIALLY DEFERRED, AFTER UPDATE OF balance ON workspace)
-- Guards: §3.1 (balance = sum of ledger amounts) and §3.12 (balance = sum of
--   remaining).
-- History: created in 20261125000200_balance_matches_ledger (as
--   user_balance_matches_ledger), replaced in 20261130120000_money_functions,
--   20261130300100_wallet_grants; moved to the workspace in
--   20261207144716_workspace_functions: this is the text of the last.
CREATE OR REPLACE FUNCTION workspace_balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  tail integer;
  held integer;
BEGIN
  SELECT balance, ledger_tail INTO current_balance, tail FROM workspace WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF current_balance <> COALESCE(tail, 0) THEN
    RAISE EXCEPTION 'balance of workspace % is % but the ledger ends at %',
      NEW.id, current_balance, COALESCE(tail, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT COALESCE(sum(remaining), 0) INTO held FROM credit_grant WHERE workspace_id = NEW.id AND closed_at IS NULL;
  IF current_balance <> held THEN
    RAISE EXCEPTION 'balance of workspace % is % but its grants hold %', NEW.id, current_balance, held
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
