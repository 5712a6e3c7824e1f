-- ledger_entry_check_chain: The chain, checked where the write happens, from
-- the user row, once per INSERT statement: each account's new entries, in id
-- order, start where its last entry ended (user.ledger_tail) and follow one
-- another, and the last one ends at the balance the ledger function has just
-- set; then it becomes the tail. One entry (cw_ledger_post) or many in one
-- statement (cw_ledger_post_refunds: the balance moved once by their sum).
--
-- Trigger: ledger_entry_chain (AFTER INSERT ON ledger_entry, FOR EACH
--   STATEMENT, new rows as new_entries)
-- Guards: §3.1 (conservation: each entry's balance before = the previous
--   entry's balance after).
-- History: created in 20261125000100_invariants, replaced in
--   20261130120000_money_functions, 20261207071000_cleanup_settles_a_set:
--   this is the text of the last.
CREATE OR REPLACE FUNCTION ledger_entry_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_bad record;
BEGIN
  SELECT e.user_id, e.balance_before, e.balance_after, COALESCE(e.previous_after, u.ledger_tail, 0) AS previous_after,
         u.balance, e.last
    INTO v_bad
    FROM (SELECT n.id, n.user_id, n.balance_before, n.balance_after,
                 lag(n.balance_after) OVER w AS previous_after, lead(n.id) OVER w IS NULL AS last
            FROM new_entries n WINDOW w AS (PARTITION BY n.user_id ORDER BY n.id)) e
    JOIN "user" u ON u.id = e.user_id
   WHERE e.balance_before <> COALESCE(e.previous_after, u.ledger_tail, 0)
      OR (e.last AND e.balance_after <> u.balance)
   ORDER BY e.id
   LIMIT 1;
  IF FOUND AND v_bad.balance_before <> v_bad.previous_after THEN
    RAISE EXCEPTION 'ledger chain broken for user %: balance_before % but previous balance_after %',
      v_bad.user_id, v_bad.balance_before, v_bad.previous_after
      USING ERRCODE = 'check_violation';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'ledger entry for user % ends at % but the balance is %',
      v_bad.user_id, v_bad.balance_after, v_bad.balance
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "user" u SET ledger_tail = t.balance_after
    FROM (SELECT DISTINCT ON (n.user_id) n.user_id, n.balance_after FROM new_entries n ORDER BY n.user_id, n.id DESC) t
   WHERE u.id = t.user_id;
  RETURN NULL;
END $$;
