-- cw_emit_event: Writes a webhook event of p_type for the user into the
-- outbox, one delivery per enabled endpoint subscribed to it and one queue
-- job per delivery, in the caller's transaction. A user with no such endpoint
-- (the common case) costs one index probe and writes nothing. Returns the
-- event id, or NULL when nobody listens.
--
-- Guards: §3.13 (an event commits or rolls back with the change it reports).
-- History: created in 20261130500000_webhooks, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_emit_event(p_workspace_id text, p_type text, p_data jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_event_id text;
  v_delivery_id uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint WHERE workspace_id = p_workspace_id AND enabled AND p_type = ANY (events)) THEN
    RETURN NULL;
  END IF;
  v_event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  INSERT INTO webhook_event (id, workspace_id, type, data, created_at)
  VALUES (v_event_id, p_workspace_id, p_type, p_data, clock_timestamp());
  FOR v_delivery_id IN
    INSERT INTO webhook_delivery (event_id, endpoint_id, next_attempt_at, created_at, updated_at)
    SELECT v_event_id, e.id, clock_timestamp(), clock_timestamp(), clock_timestamp()
      FROM webhook_endpoint e
     WHERE e.workspace_id = p_workspace_id AND e.enabled AND p_type = ANY (e.events)
    RETURNING id
  LOOP
    PERFORM cw_enqueue_webhook_delivery(v_delivery_id, clock_timestamp());
  END LOOP;
  RETURN v_event_id;
END $$;
