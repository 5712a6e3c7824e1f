-- credit_draw_refuse_change: Refuses UPDATE, DELETE and TRUNCATE of
-- credit_draw: one draw per (ledger entry, grant), append-only like the
-- ledger.
--
-- Trigger: credit_draw_append_only, credit_draw_no_truncate (ON credit_draw)
-- Guards: §3.10 and §3.12 (the draws of a debit sum to it, for ever).
-- History: created in 20261130300100_wallet_grants, never replaced.
CREATE OR REPLACE FUNCTION credit_draw_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'credit_draw is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
