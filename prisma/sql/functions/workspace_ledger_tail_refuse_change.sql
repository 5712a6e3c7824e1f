-- workspace_ledger_tail_refuse_change: Only the ledger's trigger moves
-- workspace.ledger_tail (a nested statement); a direct UPDATE of it is refused, so
-- the tail cannot be made to cover a balance the ledger does not explain.
--
-- Trigger: workspace_ledger_tail_guard (BEFORE UPDATE OF ledger_tail ON workspace,
--   top level only)
-- Guards: §3.1.
-- History: created in 20261130120000_money_functions (as
--   user_ledger_tail_refuse_change), moved to the workspace in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION workspace_ledger_tail_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'workspace.ledger_tail is kept by the ledger: direct update refused'
    USING ERRCODE = 'insufficient_privilege';
END $$;
