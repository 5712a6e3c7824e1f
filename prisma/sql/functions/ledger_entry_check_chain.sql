-- ledger_entry_check_chain: The chain, checked where the write happens, from
-- the user row: a new entry starts where the last one ended
-- (user.ledger_tail) and ends at the balance the ledger function has just
-- set; then it becomes the tail.
--
-- Trigger: ledger_entry_chain (BEFORE INSERT ON ledger_entry)
-- Guards: §3.1 (conservation: each entry's balance before = the previous
--   entry's balance after).
-- History: created in 20261125000100_invariants, replaced in
--   20261130120000_money_functions: this is the text of the last.
CREATE OR REPLACE FUNCTION ledger_entry_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  tail integer;
BEGIN
  SELECT balance, ledger_tail INTO current_balance, tail FROM "user" WHERE id = NEW.user_id;
  IF NEW.balance_before <> COALESCE(tail, 0) THEN
    RAISE EXCEPTION 'ledger chain broken for user %: balance_before % but previous balance_after %',
      NEW.user_id, NEW.balance_before, COALESCE(tail, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.balance_after <> current_balance THEN
    RAISE EXCEPTION 'ledger entry for user % ends at % but the balance is %',
      NEW.user_id, NEW.balance_after, current_balance
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "user" SET ledger_tail = NEW.balance_after WHERE id = NEW.user_id;
  RETURN NEW;
END $$;
