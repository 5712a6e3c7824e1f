-- job_emit_webhook_event: job.completed | job.failed | job.cancelled, when a
-- job reaches that status (only cw_settle_job does that, and only once:
-- terminal states are final). The event is built only for a user who listens
-- to it (the common case is nobody: one probe, no JSON).
--
-- Trigger: job_webhook_event (AFTER UPDATE OF status ON job, to a terminal
--   status)
-- Guards: §3.13 (the event is written in the transaction of the change it
--   reports).
-- History: created in 20261130500000_webhooks, replaced in
--   20261201100000_lean_settlement, 20261207144716_workspace_functions: this is the text
--   of the last.
CREATE OR REPLACE FUNCTION job_emit_webhook_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint
                 WHERE workspace_id = NEW.workspace_id AND enabled AND 'job.' || lower(NEW.status::text) = ANY (events)) THEN
    RETURN NULL;
  END IF;
  PERFORM cw_emit_event(NEW.workspace_id, 'job.' || lower(NEW.status::text), jsonb_build_object(
    'id', NEW.id,
    'status', NEW.status,
    'modelId', NEW.model_id,
    'outputsRequested', NEW.outputs_requested,
    'outputsDone', NEW.outputs_done,
    'refundedCredits', NEW.refunded_amount,
    'errorCode', NEW.error_code,
    'finishedAt', to_char(NEW.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ));
  RETURN NULL;
END $$;
