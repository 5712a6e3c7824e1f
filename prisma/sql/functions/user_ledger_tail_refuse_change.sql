-- user_ledger_tail_refuse_change: Only the ledger's trigger moves
-- user.ledger_tail (a nested statement); a direct UPDATE of it is refused, so
-- the tail cannot be made to cover a balance the ledger does not explain.
--
-- Trigger: user_ledger_tail_guard (BEFORE UPDATE OF ledger_tail ON "user",
--   top level only)
-- Guards: §3.1.
-- History: created in 20261130120000_money_functions, never replaced.
CREATE OR REPLACE FUNCTION user_ledger_tail_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'user.ledger_tail is kept by the ledger: direct update refused'
    USING ERRCODE = 'insufficient_privilege';
END $$;
