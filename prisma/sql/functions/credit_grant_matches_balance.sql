-- credit_grant_matches_balance: At COMMIT, from the grants' side: a grant
-- added or closed by hand (not through a ledger entry, which moves the
-- balance) must still add up to the workspace's balance. Draws change remaining
-- only together with an entry, so workspace_balance_matches_ledger covers them.
--
-- Trigger: credit_grant_matches_balance (constraint trigger, DEFERRABLE
--   INITIALLY DEFERRED, ON credit_grant)
-- Guards: §3.12 (balance = sum of remaining over live grants).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION credit_grant_matches_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  held integer;
BEGIN
  SELECT balance INTO current_balance FROM workspace WHERE id = NEW.workspace_id;
  SELECT COALESCE(sum(remaining), 0) INTO held FROM credit_grant WHERE workspace_id = NEW.workspace_id AND closed_at IS NULL;
  IF current_balance <> held THEN
    RAISE EXCEPTION 'balance of workspace % is % but its grants hold %', NEW.workspace_id, current_balance, held
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;
