-- credit_draw_apply: The draws of an INSERT statement move their grants'
-- remaining, once per grant (a closed grant holds nothing: what a refund
-- returns to it is written off by an EXPIRE draw of the same amount in the
-- same transaction). Only this trigger changes remaining.
--
-- Trigger: credit_draw_apply (AFTER INSERT ON credit_draw, FOR EACH
--   STATEMENT, new rows as new_draws)
-- Guards: §3.12 (balance = sum of remaining over live grants; 0 ≤ remaining ≤
--   amount, with the CHECKs of credit_grant).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207071000_cleanup_settles_a_set: this is the text of the last.
CREATE OR REPLACE FUNCTION credit_draw_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE credit_grant g SET remaining = g.remaining + d.amount
    FROM (SELECT n.grant_id, sum(n.amount)::integer AS amount FROM new_draws n GROUP BY n.grant_id) d
   WHERE g.id = d.grant_id AND g.closed_at IS NULL;
  RETURN NULL;
END $$;
