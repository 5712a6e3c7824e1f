-- credit_grant_refuse_remaining_change: Refuses a direct UPDATE of
-- credit_grant.remaining, amount or workspace_id: remaining is kept by the grant's
-- draws (credit_draw_apply, a nested statement, is let through).
--
-- Trigger: credit_grant_remaining_guard (BEFORE UPDATE ON credit_grant, top
--   level only)
-- Guards: §3.12.
-- History: created in 20261130300100_wallet_grants, never replaced.
CREATE OR REPLACE FUNCTION credit_grant_refuse_remaining_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_grant.remaining is kept by its draws: direct update refused'
    USING ERRCODE = 'insufficient_privilege';
END $$;
