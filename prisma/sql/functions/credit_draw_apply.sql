-- credit_draw_apply: The draws of an INSERT statement move their grants'
-- remaining, once per grant (a closed grant holds nothing: what a refund
-- returns to it is written off by an EXPIRE draw of the same amount in the
-- same transaction). Only this trigger changes remaining. Each grant is
-- written by its key, one at a time: a join would let the planner scan the
-- whole grant table, which at SERIALIZABLE ties every account's
-- transactions together.
--
-- Trigger: credit_draw_apply (AFTER INSERT ON credit_draw, FOR EACH
--   STATEMENT, new rows as new_draws)
-- Guards: §3.12 (balance = sum of remaining over live grants; 0 ≤ remaining ≤
--   amount, with the CHECKs of credit_grant).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207060000_cleanup_settles_a_set, 20261207070334_trigger_sets_read_by_key:
--   this is the text of the last.
CREATE OR REPLACE FUNCTION credit_draw_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_draw record;
BEGIN
  FOR v_draw IN SELECT n.grant_id, sum(n.amount)::integer AS amount FROM new_draws n GROUP BY n.grant_id ORDER BY n.grant_id LOOP
    UPDATE credit_grant SET remaining = remaining + v_draw.amount WHERE id = v_draw.grant_id AND closed_at IS NULL;
  END LOOP;
  RETURN NULL;
END $$;
