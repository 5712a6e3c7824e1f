-- cw_return_credits: A refund's draws: back to the grants the job's charge
-- drew from, each up to what it gave (open grants first, the last spent
-- first). What returns to a grant that has closed meanwhile expires at once,
-- in one EXPIRE entry: a refund never revives expired credits. A charge from
-- before the wallet drew from no grant: its refund opens a grant of its own.
--
-- Guards: §3.12 (a grant never gets back more than was drawn from it), §3.4
--   (the refund never exceeds the charge).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_return_credits(p_entry ledger_entry) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_left integer := p_entry.amount;
  v_charge_id bigint;
  v_draw record;
  v_take integer;
  v_dead_grants bigint[] := '{}';
  v_dead_amounts integer[] := '{}';
  v_grant_id bigint;
BEGIN
  -- The job row names its charge (read by id: no shared index page of the
  -- ledger is read, which matters at SERIALIZABLE); jobs from before the
  -- wallet are looked up by job.
  SELECT charge_entry_id INTO v_charge_id FROM job WHERE id = p_entry.job_id;
  IF v_charge_id IS NULL THEN
    SELECT id INTO v_charge_id FROM ledger_entry WHERE job_id = p_entry.job_id AND kind = 'CHARGE';
  END IF;
  FOR v_draw IN
    SELECT d.grant_id, -d.amount AS drawn, g.closed_at IS NULL AS open
    FROM credit_draw d JOIN credit_grant g ON g.id = d.grant_id
    WHERE d.entry_id = v_charge_id AND d.amount < 0
    ORDER BY g.closed_at IS NULL DESC, g.priority DESC, g.expires_at DESC NULLS FIRST, g.effective_at DESC, g.id DESC
  LOOP
    v_take := least(v_left, v_draw.drawn);
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_draw.grant_id, v_take);
    IF NOT v_draw.open THEN
      v_dead_grants := v_dead_grants || v_draw.grant_id;
      v_dead_amounts := v_dead_amounts || -v_take;
    END IF;
    v_left := v_left - v_take;
    EXIT WHEN v_left = 0;
  END LOOP;
  IF v_left > 0 THEN
    IF EXISTS (SELECT 1 FROM credit_draw WHERE entry_id = v_charge_id) THEN
      RAISE EXCEPTION 'refund % of job % is more than its charge drew', p_entry.amount, p_entry.job_id USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_grant (workspace_id, category, priority, amount, effective_at, kind, reason, opened_at, opened_by, created_at)
    VALUES (p_entry.workspace_id, 'PAID', 50, v_left, p_entry.created_at, 'REFUND', p_entry.reason,
            p_entry.created_at, p_entry.id, p_entry.created_at)
    RETURNING id INTO v_grant_id;
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (p_entry.id, v_grant_id, v_left);
  END IF;
  IF cardinality(v_dead_grants) > 0 THEN
    PERFORM cw_ledger_post(p_entry.workspace_id, 'EXPIRE', (SELECT sum(a)::integer FROM unnest(v_dead_amounts) AS t(a)),
      p_entry.job_id, 'SYSTEM', 'expiry', 'Refunded credits of a grant that has expired', NULL,
      NULL, v_dead_grants, v_dead_amounts);
  END IF;
END $$;
