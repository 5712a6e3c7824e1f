-- cw_ledger_post: Moves p_amount credits and appends the ledger entry that
-- explains it, with its draws: the only code that writes a balance, a ledger
-- entry or a draw (with cw_ledger_post_refunds, the cleanup's refunds of one
-- account as a set). A debit that would overdraw is refused (CW402), never
-- clamped. Credits in (GRANT, PURCHASE, ADJUSTMENT > 0) open the pending
-- grant p_grant_id of exactly this amount; REFUND returns credits to the
-- grants the job's charge drew from; EXPIRE takes exactly p_draw_amounts from
-- p_draw_grants; other debits draw in spending order. p_entry_id: the entry's
-- id when the caller took it from the sequence first (a job's charge: the job
-- row names it).
--
-- A refund also gives the job's budgets back (cw_budget_return).
--
-- Guards: §3.1 (with trigger ledger_entry_chain), §3.2 (refuse, never clamp),
--   §3.12 (draws sum to the entry), §3.14 (refunds give budget back).
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261207124830_budget_functions,
--   20261207144716_workspace_functions: this is the text of the last.
CREATE OR REPLACE FUNCTION cw_ledger_post(
  p_workspace_id text, p_kind "LedgerKind", p_amount integer, p_job_id uuid,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text,
  p_grant_id bigint DEFAULT NULL, p_draw_grants bigint[] DEFAULT NULL, p_draw_amounts integer[] DEFAULT NULL,
  p_entry_id bigint DEFAULT NULL
) RETURNS ledger_entry
LANGUAGE plpgsql AS $$
DECLARE
  v_before integer;
  v_entry ledger_entry;
BEGIN
  IF p_amount = 0 THEN
    RAISE EXCEPTION 'a ledger amount is a non-zero integer' USING ERRCODE = 'CW500';
  END IF;
  UPDATE workspace SET balance = balance + p_amount
    WHERE id = p_workspace_id AND balance + p_amount >= 0
    RETURNING balance - p_amount INTO v_before;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insufficient credits for workspace %', p_workspace_id USING ERRCODE = 'CW402';
  END IF;
  INSERT INTO ledger_entry
    (id, workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, idempotency_key,
     grant_id, created_at)
  VALUES
    (COALESCE(p_entry_id, nextval('ledger_entry_id_seq')), p_workspace_id, p_kind, p_amount, v_before, v_before + p_amount,
     p_job_id, p_actor_type, p_actor_id, p_reason,
     p_idempotency_key, CASE WHEN p_kind = 'REFUND' THEN NULL ELSE p_grant_id END, clock_timestamp())
  RETURNING * INTO v_entry;
  IF p_kind = 'REFUND' THEN
    PERFORM cw_return_credits(v_entry);
    PERFORM cw_budget_return(ARRAY[p_job_id], ARRAY[p_amount]);
  ELSIF p_kind = 'EXPIRE' THEN
    IF p_draw_grants IS NULL OR (SELECT sum(a) FROM unnest(p_draw_amounts) AS t(a)) <> p_amount THEN
      RAISE EXCEPTION 'the draws of an expiry must sum to it' USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_draw (entry_id, grant_id, amount)
      SELECT v_entry.id, g, a FROM unnest(p_draw_grants, p_draw_amounts) AS t(g, a);
  ELSIF p_amount > 0 THEN
    UPDATE credit_grant SET opened_at = v_entry.created_at, opened_by = v_entry.id
      WHERE id = p_grant_id AND workspace_id = p_workspace_id AND opened_at IS NULL AND closed_at IS NULL AND amount = p_amount;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'credits in need a pending grant of the same amount (grant %)', p_grant_id USING ERRCODE = 'CW500';
    END IF;
    INSERT INTO credit_draw (entry_id, grant_id, amount) VALUES (v_entry.id, p_grant_id, p_amount);
  ELSE
    PERFORM cw_draw_credits(v_entry);
  END IF;
  RETURN v_entry;
END $$;
