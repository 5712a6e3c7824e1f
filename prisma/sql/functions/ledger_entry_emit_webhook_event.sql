-- ledger_entry_emit_webhook_event: purchase.completed for a PURCHASE entry;
-- credits.low for a debit that takes the balance from at least the user's
-- threshold to below it (once per crossing). An EXPIRE that names a job
-- writes off a refund into an expired grant: the pair moves nothing, so it is
-- no crossing.
--
-- Trigger: ledger_entry_webhook_event (AFTER INSERT ON ledger_entry)
-- Guards: §3.13 (the event is written in the transaction of the change it
--   reports).
-- History: created in 20261130500000_webhooks, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION ledger_entry_emit_webhook_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_threshold integer;
BEGIN
  IF NEW.kind = 'PURCHASE' THEN
    PERFORM cw_emit_event(NEW.workspace_id, 'purchase.completed', jsonb_build_object(
      'entryId', NEW.id::text, 'credits', NEW.amount, 'balanceAfter', NEW.balance_after));
  END IF;
  -- Only for a user who listens to credits.low is the threshold read. An
  -- EXPIRE that names a job writes off a refund that came back to an expired
  -- grant in the same transaction: the pair moves nothing, so it is no crossing.
  IF NEW.amount < 0 AND NOT (NEW.kind::text = 'EXPIRE' AND NEW.job_id IS NOT NULL) AND EXISTS (
    SELECT 1 FROM webhook_endpoint WHERE workspace_id = NEW.workspace_id AND enabled AND 'credits.low' = ANY (events)
  ) THEN
    SELECT low_balance_threshold INTO v_threshold FROM webhook_preference WHERE workspace_id = NEW.workspace_id;
    v_threshold := COALESCE(v_threshold, 20);
    IF NEW.balance_before >= v_threshold AND NEW.balance_after < v_threshold THEN
      PERFORM cw_emit_event(NEW.workspace_id, 'credits.low', jsonb_build_object(
        'entryId', NEW.id::text, 'kind', NEW.kind, 'balance', NEW.balance_after, 'threshold', v_threshold));
    END IF;
  END IF;
  RETURN NULL;
END $$;
