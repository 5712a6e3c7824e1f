-- ledger_entry_check_chain: The chain, checked where the write happens, from
-- the workspace row, once per INSERT statement: each workspace's new entries,
-- in id order, start where its last entry ended (workspace.ledger_tail) and follow one
-- another, and the last one ends at the balance the ledger function has just
-- set; then it becomes the tail. One entry (cw_ledger_post) or many in one
-- statement (cw_ledger_post_refunds: the balance moved once by their sum).
-- Each workspace's row is read and written by its key, one at a
-- time: a join would let the planner scan the whole workspace table (it knows
-- nothing of a transition table), and at SERIALIZABLE that ties every
-- account's transactions together (tests/jobs/enqueue-conflicts.test.ts).
--
-- Trigger: ledger_entry_chain (AFTER INSERT ON ledger_entry, FOR EACH
--   STATEMENT, new rows as new_entries)
-- Guards: §3.1 (conservation: each entry's balance before = the previous
--   entry's balance after).
-- History: created in 20261125000100_invariants, replaced in
--   20261130120000_money_functions, 20261207060000_cleanup_settles_a_set,
--   20261207070334_trigger_sets_read_by_key, 20261207144716_workspace_functions: this is
--   the text of the last.
CREATE OR REPLACE FUNCTION ledger_entry_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_account record;
  v_wallet record;
  v_bad record;
BEGIN
  FOR v_account IN SELECT n.workspace_id FROM new_entries n GROUP BY n.workspace_id ORDER BY min(n.id) LOOP
    SELECT w.balance, w.ledger_tail INTO v_wallet FROM workspace w WHERE w.id = v_account.workspace_id;
    SELECT e.balance_before, e.balance_after, COALESCE(e.previous_after, v_wallet.ledger_tail, 0) AS previous_after
      INTO v_bad
      FROM (SELECT n.id, n.balance_before, n.balance_after,
                   lag(n.balance_after) OVER w AS previous_after, lead(n.id) OVER w IS NULL AS last
              FROM new_entries n WHERE n.workspace_id = v_account.workspace_id WINDOW w AS (ORDER BY n.id)) e
     WHERE e.balance_before <> COALESCE(e.previous_after, v_wallet.ledger_tail, 0)
        OR (e.last AND e.balance_after <> v_wallet.balance)
     ORDER BY e.id
     LIMIT 1;
    IF FOUND AND v_bad.balance_before <> v_bad.previous_after THEN
      RAISE EXCEPTION 'ledger chain broken for workspace %: balance_before % but previous balance_after %',
        v_account.workspace_id, v_bad.balance_before, v_bad.previous_after
        USING ERRCODE = 'check_violation';
    ELSIF FOUND THEN
      RAISE EXCEPTION 'ledger entry for workspace % ends at % but the balance is %',
        v_account.workspace_id, v_bad.balance_after, v_wallet.balance
        USING ERRCODE = 'check_violation';
    END IF;
    UPDATE workspace SET ledger_tail = v_wallet.balance WHERE id = v_account.workspace_id;
  END LOOP;
  RETURN NULL;
END $$;
