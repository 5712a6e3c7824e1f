-- cw_auto_topup_on_debit: Auto top-up (SPEC §7): a debit (a charge, an
-- admin's deduction; not an expiry) that takes the balance from at or above
-- the user's threshold to below it starts exactly one top-up, keyed by the
-- debit's ledger entry, and enqueues it; the partial unique index
-- topup_one_in_flight keeps at most one in flight. Debits of one account
-- queue on the workspace row lock, so of 20 concurrent debits exactly one crosses.
--
-- Trigger: ledger_entry_auto_topup (AFTER INSERT ON ledger_entry)
-- Guards: SPEC §7 auto top-up (exactly one top-up per crossing, at most one
--   in flight per user).
-- History: created in 20261130600000_wallet_payments, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_auto_topup_on_debit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_setting auto_topup%ROWTYPE;
  v_topup_id uuid;
BEGIN
  SELECT * INTO v_setting FROM auto_topup WHERE workspace_id = NEW.workspace_id AND enabled;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF NEW.balance_before >= v_setting.threshold_credits AND NEW.balance_after < v_setting.threshold_credits THEN
    INSERT INTO topup (id, workspace_id, trigger_entry_id, idempotency_key, status, pack_id, payment_method_id)
    VALUES (gen_random_uuid(), NEW.workspace_id, NEW.id, 'auto-topup:' || NEW.id, 'PENDING',
            v_setting.pack_id, v_setting.payment_method_id)
    ON CONFLICT DO NOTHING
    RETURNING id INTO v_topup_id;
    IF v_topup_id IS NOT NULL THEN
      PERFORM graphile_worker.add_job('auto-topup', json_build_object('topupId', v_topup_id, 'workspaceId', NEW.workspace_id),
        job_key := 'auto-topup:' || v_topup_id, max_attempts := 5);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
