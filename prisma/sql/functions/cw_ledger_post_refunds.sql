-- cw_ledger_post_refunds: The REFUND entries of several ended jobs of one
-- account, written as a set: cw_ledger_post's REFUND (with cw_return_credits)
-- for many jobs at once, and the only other code that writes a balance, a
-- ledger entry or a draw. One entry per job (unique index
-- ledger_entry_one_refund_per_job), each job's credits back to the grants its
-- charge drew from, each up to what it gave, in cw_return_credits' order;
-- what returns to a grant that has closed meanwhile expires at once, in one
-- EXPIRE entry right after its refund. The entries chain in the order of
-- p_job_ids (ids taken from the sequence in that order); the balance moves
-- once, by their sum; the draws are one insert. A job whose charge drew from
-- no grant (from before the wallet) goes through cw_ledger_post.
-- The caller holds the workspace row and has brought the grants up to the clock.
--
-- Guards: §3.1 (the entries chain from the tail to the new balance: trigger
--   ledger_entry_chain), §3.4 (one refund per job, never more than the charge
--   drew), §3.12 (a grant never gets back more than was drawn from it; a
--   refund never revives expired credits), §3.14 (refunds give budget back).
-- History: created in 20261207060000_cleanup_settles_a_set, replaced in
--   20261207124830_budget_functions, 20261207144716_workspace_functions: this is the text
--   of the last.
CREATE OR REPLACE FUNCTION cw_ledger_post_refunds(
  p_workspace_id text, p_job_ids uuid[], p_amounts integer[], p_actor_type "ActorType", p_actor_id text, p_reasons text[]
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_back_ord bigint[];
  v_back_grant bigint[];
  v_back_take integer[];
  v_back_open boolean[];
  v_unbacked bigint[];
  v_short boolean;
  v_ord bigint;
  v_entry_ord bigint[];
  v_entry_amount integer[];
  v_total integer;
  v_before integer;
  v_ids bigint[];
BEGIN
  IF cardinality(p_job_ids) IS DISTINCT FROM cardinality(p_amounts) OR cardinality(p_job_ids) IS DISTINCT FROM cardinality(p_reasons)
     OR EXISTS (SELECT 1 FROM unnest(p_amounts) AS a(amount) WHERE amount IS NULL OR amount <= 0) THEN
    RAISE EXCEPTION 'refunds are one positive amount and one reason per job' USING ERRCODE = 'CW500';
  END IF;
  -- What goes back where: each job's charge draws, in the order
  -- cw_return_credits returns them, each up to what it gave.
  SELECT array_agg(b.ord ORDER BY b.ord, b.rank), array_agg(b.grant_id ORDER BY b.ord, b.rank),
         array_agg(b.take ORDER BY b.ord, b.rank), array_agg(b.open ORDER BY b.ord, b.rank)
    INTO v_back_ord, v_back_grant, v_back_take, v_back_open
    FROM (SELECT t.ord, d.grant_id, g.closed_at IS NULL AS open, row_number() OVER w AS rank,
                 least(-d.amount, t.amount - COALESCE(sum(-d.amount) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::integer
                   AS take
            FROM unnest(p_job_ids, p_amounts) WITH ORDINALITY AS t(job_id, amount, ord)
            JOIN job j ON j.id = t.job_id AND j.workspace_id = p_workspace_id
            JOIN credit_draw d ON d.entry_id = j.charge_entry_id AND d.amount < 0
            JOIN credit_grant g ON g.id = d.grant_id
          WINDOW w AS (PARTITION BY t.ord
                       ORDER BY g.closed_at IS NULL DESC, g.priority DESC, g.expires_at DESC NULLS FIRST, g.effective_at DESC, g.id DESC)
         ) b
   WHERE b.take > 0;
  SELECT array_agg(t.ord ORDER BY t.ord) FILTER (WHERE r.back IS NULL), COALESCE(bool_or(r.back < t.amount), false)
    INTO v_unbacked, v_short
    FROM unnest(p_amounts) WITH ORDINALITY AS t(amount, ord)
    LEFT JOIN (SELECT b.ord, sum(b.take) AS back FROM unnest(v_back_ord, v_back_take) AS b(ord, take) GROUP BY b.ord) r
      ON r.ord = t.ord;
  IF v_short THEN
    RAISE EXCEPTION 'a refund of workspace % is more than its charge drew', p_workspace_id USING ERRCODE = 'CW500';
  END IF;
  -- The entries, in chain order: each refund, then the expiry of what it
  -- returned to closed grants.
  SELECT array_agg(e.ord ORDER BY e.ord, e.expiry), array_agg(e.amount ORDER BY e.ord, e.expiry), sum(e.amount)
    INTO v_entry_ord, v_entry_amount, v_total
    FROM (SELECT t.ord, false AS expiry, t.amount
            FROM unnest(p_amounts) WITH ORDINALITY AS t(amount, ord)
           WHERE t.ord <> ALL (COALESCE(v_unbacked, '{}'))
          UNION ALL
          SELECT b.ord, true, -sum(b.take)::integer
            FROM unnest(v_back_ord, v_back_take, v_back_open) AS b(ord, take, open)
           WHERE NOT b.open GROUP BY b.ord) e;
  IF v_entry_ord IS NOT NULL THEN
    UPDATE workspace SET balance = balance + v_total
      WHERE id = p_workspace_id AND balance + v_total >= 0
      RETURNING balance - v_total INTO v_before;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no account % to refund', p_workspace_id USING ERRCODE = 'CW500';
    END IF;
    v_ids := ARRAY(SELECT nextval('ledger_entry_id_seq') FROM generate_series(1, cardinality(v_entry_ord)) ORDER BY 1);
    INSERT INTO ledger_entry
      (id, workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, idempotency_key,
       grant_id, created_at)
    SELECT v_ids[e.n], p_workspace_id, CASE WHEN e.amount > 0 THEN 'REFUND' ELSE 'EXPIRE' END::"LedgerKind", e.amount,
           v_before + e.running - e.amount, v_before + e.running, p_job_ids[e.ord],
           CASE WHEN e.amount > 0 THEN p_actor_type ELSE 'SYSTEM' END,
           CASE WHEN e.amount > 0 THEN p_actor_id ELSE 'expiry' END,
           CASE WHEN e.amount > 0 THEN p_reasons[e.ord] ELSE 'Refunded credits of a grant that has expired' END,
           NULL, NULL, clock_timestamp()
      FROM (SELECT x.ord, x.amount, x.n, sum(x.amount) OVER (ORDER BY x.n) AS running
              FROM unnest(v_entry_ord, v_entry_amount) WITH ORDINALITY AS x(ord, amount, n)) e;
    -- Each refund's draws, and each expiry's draws from the closed grants.
    INSERT INTO credit_draw (entry_id, grant_id, amount)
    SELECT v_ids[e.n], b.grant_id, CASE WHEN e.amount > 0 THEN b.take ELSE -b.take END
      FROM unnest(v_back_ord, v_back_grant, v_back_take, v_back_open) AS b(ord, grant_id, take, open)
      JOIN unnest(v_entry_ord, v_entry_amount) WITH ORDINALITY AS e(ord, amount, n)
        ON e.ord = b.ord AND (e.amount > 0 OR NOT b.open);
  END IF;
  -- The budgets of the jobs refunded here get their credits back (those
  -- refunded through cw_ledger_post below get them there).
  PERFORM cw_budget_return(
    ARRAY(SELECT p_job_ids[t.ord] FROM unnest(p_amounts) WITH ORDINALITY AS t(amount, ord)
           WHERE t.ord <> ALL (COALESCE(v_unbacked, '{}')) ORDER BY t.ord),
    ARRAY(SELECT t.amount FROM unnest(p_amounts) WITH ORDINALITY AS t(amount, ord)
           WHERE t.ord <> ALL (COALESCE(v_unbacked, '{}')) ORDER BY t.ord));
  -- Charges that drew from no grant (from before the wallet): each refund
  -- opens a grant of its own, through cw_ledger_post.
  FOREACH v_ord IN ARRAY COALESCE(v_unbacked, '{}') LOOP
    IF NOT EXISTS (SELECT 1 FROM job WHERE id = p_job_ids[v_ord] AND workspace_id = p_workspace_id) THEN
      RAISE EXCEPTION 'job % is not an ended job of workspace %', p_job_ids[v_ord], p_workspace_id USING ERRCODE = 'CW500';
    END IF;
    PERFORM cw_ledger_post(p_workspace_id, 'REFUND', p_amounts[v_ord], p_job_ids[v_ord], p_actor_type, p_actor_id,
                           p_reasons[v_ord], NULL);
  END LOOP;
END $$;
