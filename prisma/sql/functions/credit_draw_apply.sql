-- credit_draw_apply: A draw moves its grant's remaining (a closed grant holds
-- nothing: what a refund returns to it is written off by an EXPIRE draw of
-- the same amount in the same transaction). Only this trigger changes
-- remaining.
--
-- Trigger: credit_draw_apply (AFTER INSERT ON credit_draw)
-- Guards: §3.12 (balance = sum of remaining over live grants; 0 ≤ remaining ≤
--   amount, with the CHECKs of credit_grant).
-- History: created in 20261130300100_wallet_grants, never replaced.
CREATE OR REPLACE FUNCTION credit_draw_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE credit_grant SET remaining = remaining + NEW.amount WHERE id = NEW.grant_id AND closed_at IS NULL;
  RETURN NULL;
END $$;
