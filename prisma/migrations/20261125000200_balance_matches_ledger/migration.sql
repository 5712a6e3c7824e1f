-- §3.1 Conservation, from the user row's side: a transaction that changes a
-- balance must, by the time it commits, have appended the ledger entry that
-- ends at that balance. Deferred to COMMIT because the ledger module updates
-- the balance first and inserts the entry right after, in one transaction.
CREATE FUNCTION user_balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  last_after integer;
BEGIN
  SELECT balance INTO current_balance FROM "user" WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT balance_after INTO last_after FROM ledger_entry
    WHERE user_id = NEW.id ORDER BY id DESC LIMIT 1;
  IF current_balance <> COALESCE(last_after, 0) THEN
    RAISE EXCEPTION 'balance of user % is % but the ledger ends at %',
      NEW.id, current_balance, COALESCE(last_after, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER user_balance_matches_ledger
  AFTER UPDATE OF balance ON "user"
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.balance IS DISTINCT FROM NEW.balance)
  EXECUTE FUNCTION user_balance_matches_ledger();
