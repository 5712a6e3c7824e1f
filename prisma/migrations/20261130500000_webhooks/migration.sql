-- Webhooks (SPEC §8, §3 invariant 13): endpoints, an outbox of events
-- written in the same transaction as the change each reports, one delivery
-- per (event, subscribed endpoint) enqueued on graphile-worker in that same
-- transaction, and every attempt of every delivery.
--
-- The events come from AFTER triggers on job and ledger_entry, so the money
-- functions stay as they are: whatever function ends a job or posts a
-- ledger entry, the event commits or rolls back with it.

CREATE TABLE webhook_endpoint (
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    user_id TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT[] NOT NULL,
    -- whsec_<base64>: shown to the user once, kept to sign every delivery.
    secret TEXT NOT NULL,
    -- The secret before the last rotation: deliveries carry a signature by
    -- each until previous_secret_expires_at, so receivers can switch over.
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMPTZ(3),
    enabled BOOLEAN NOT NULL DEFAULT true,
    -- USER (turned off on the page) | FAILING (every delivery failed for a whole retry window).
    disabled_reason TEXT,
    disabled_at TIMESTAMPTZ(3),
    last_success_at TIMESTAMPTZ(3),
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT webhook_endpoint_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_endpoint_user_id_fkey FOREIGN KEY (user_id) REFERENCES "user"(id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT webhook_endpoint_events_not_empty CHECK (cardinality(events) > 0),
    CONSTRAINT webhook_endpoint_disabled_reason CHECK (
      (enabled AND disabled_reason IS NULL) OR (NOT enabled AND disabled_reason IN ('USER', 'FAILING'))
    )
);
CREATE INDEX webhook_endpoint_user_id_created_at_idx ON webhook_endpoint (user_id, created_at);
-- The hot path's question, "does this user listen to anything?", is one
-- probe of this index; for the many users without endpoints it is empty.
CREATE INDEX webhook_endpoint_enabled_by_user ON webhook_endpoint (user_id) WHERE enabled;

-- The credits.low threshold of a user (no row: the default of 20 credits).
CREATE TABLE webhook_preference (
    user_id TEXT NOT NULL,
    low_balance_threshold INTEGER NOT NULL,
    updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT webhook_preference_pkey PRIMARY KEY (user_id),
    CONSTRAINT webhook_preference_user_id_fkey FOREIGN KEY (user_id) REFERENCES "user"(id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT webhook_preference_threshold_positive CHECK (low_balance_threshold >= 1)
);

-- The outbox: one row per event, written only when some enabled endpoint of
-- the user subscribes to its type. Its id is the webhook-id of every
-- attempt of every delivery of it.
CREATE TABLE webhook_event (
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    data JSONB NOT NULL,
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT webhook_event_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_event_user_id_fkey FOREIGN KEY (user_id) REFERENCES "user"(id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX webhook_event_user_id_created_at_idx ON webhook_event (user_id, created_at);

-- One event to one endpoint, until it succeeds or its retry window ends. A
-- resend is a new delivery of the same event (same webhook-id).
CREATE TABLE webhook_delivery (
    id UUID NOT NULL DEFAULT gen_random_uuid(),
    event_id TEXT NOT NULL,
    endpoint_id UUID NOT NULL,
    -- PENDING | DELIVERED | FAILED
    status TEXT NOT NULL DEFAULT 'PENDING',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMPTZ(3),
    delivered_at TIMESTAMPTZ(3),
    failed_at TIMESTAMPTZ(3),
    created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT webhook_delivery_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_delivery_event_id_fkey FOREIGN KEY (event_id) REFERENCES webhook_event(id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT webhook_delivery_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoint(id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT webhook_delivery_status CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    CONSTRAINT webhook_delivery_outcome CHECK (
      (status = 'PENDING' AND delivered_at IS NULL AND failed_at IS NULL)
      OR (status = 'DELIVERED' AND delivered_at IS NOT NULL AND failed_at IS NULL)
      OR (status = 'FAILED' AND failed_at IS NOT NULL AND delivered_at IS NULL)
    )
);
CREATE INDEX webhook_delivery_endpoint_id_created_at_idx ON webhook_delivery (endpoint_id, created_at);
CREATE INDEX webhook_delivery_event_id_idx ON webhook_delivery (event_id);

-- Every attempt, written when it starts (so an attempt whose worker died
-- shows as interrupted) and completed when it ends.
CREATE TABLE webhook_attempt (
    id BIGSERIAL NOT NULL,
    delivery_id UUID NOT NULL,
    attempt INTEGER NOT NULL,
    started_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    finished_at TIMESTAMPTZ(3),
    duration_ms INTEGER,
    status_code INTEGER,
    error TEXT,

    CONSTRAINT webhook_attempt_pkey PRIMARY KEY (id),
    CONSTRAINT webhook_attempt_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES webhook_delivery(id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX webhook_attempt_delivery_id_attempt_key ON webhook_attempt (delivery_id, attempt);

-- The graphile-worker job of one delivery: the key makes a re-add replace
-- the waiting job instead of adding a second one.
CREATE FUNCTION cw_enqueue_webhook_delivery(p_delivery_id uuid, p_run_at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM graphile_worker.add_job('deliver-webhook', json_build_object('deliveryId', p_delivery_id),
    run_at := p_run_at, job_key := 'webhook-delivery:' || p_delivery_id, max_attempts := 25);
END $$;

-- Writes an event of `p_type` for the user into the outbox, one delivery per
-- enabled endpoint subscribed to it and one queue job per delivery, in the
-- caller's transaction. A user with no such endpoint (the common case)
-- costs one probe of webhook_endpoint_enabled_by_user and writes nothing.
-- Returns the event id, or NULL when nobody listens.
CREATE FUNCTION cw_emit_event(p_user_id text, p_type text, p_data jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_event_id text;
  v_delivery_id uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint WHERE user_id = p_user_id AND enabled AND p_type = ANY (events)) THEN
    RETURN NULL;
  END IF;
  v_event_id := 'evt_' || replace(gen_random_uuid()::text, '-', '');
  INSERT INTO webhook_event (id, user_id, type, data, created_at)
  VALUES (v_event_id, p_user_id, p_type, p_data, clock_timestamp());
  FOR v_delivery_id IN
    INSERT INTO webhook_delivery (event_id, endpoint_id, next_attempt_at, created_at, updated_at)
    SELECT v_event_id, e.id, clock_timestamp(), clock_timestamp(), clock_timestamp()
      FROM webhook_endpoint e
     WHERE e.user_id = p_user_id AND e.enabled AND p_type = ANY (e.events)
    RETURNING id
  LOOP
    PERFORM cw_enqueue_webhook_delivery(v_delivery_id, clock_timestamp());
  END LOOP;
  RETURN v_event_id;
END $$;

-- job.completed | job.failed | job.cancelled, when a job reaches that status
-- (only cw_settle_job does that, and only once: terminal states are final).
CREATE FUNCTION job_emit_webhook_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cw_emit_event(NEW.user_id, 'job.' || lower(NEW.status::text), jsonb_build_object(
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

CREATE TRIGGER job_webhook_event AFTER UPDATE OF status ON job
  FOR EACH ROW
  WHEN (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION job_emit_webhook_event();

-- purchase.completed for a PURCHASE entry; credits.low for a debit that
-- takes the balance from at least the user's threshold to below it (once
-- per crossing: the next debit starts below the threshold).
CREATE FUNCTION ledger_entry_emit_webhook_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_threshold integer;
BEGIN
  IF NEW.kind = 'PURCHASE' THEN
    PERFORM cw_emit_event(NEW.user_id, 'purchase.completed', jsonb_build_object(
      'entryId', NEW.id::text, 'credits', NEW.amount, 'balanceAfter', NEW.balance_after));
  END IF;
  -- Only for a user who listens to credits.low is the threshold read. An
  -- EXPIRE that names a job writes off a refund that came back to an expired
  -- grant in the same transaction: the pair moves nothing, so it is no crossing.
  IF NEW.amount < 0 AND NOT (NEW.kind::text = 'EXPIRE' AND NEW.job_id IS NOT NULL) AND EXISTS (
    SELECT 1 FROM webhook_endpoint WHERE user_id = NEW.user_id AND enabled AND 'credits.low' = ANY (events)
  ) THEN
    SELECT low_balance_threshold INTO v_threshold FROM webhook_preference WHERE user_id = NEW.user_id;
    v_threshold := COALESCE(v_threshold, 20);
    IF NEW.balance_before >= v_threshold AND NEW.balance_after < v_threshold THEN
      PERFORM cw_emit_event(NEW.user_id, 'credits.low', jsonb_build_object(
        'entryId', NEW.id::text, 'kind', NEW.kind, 'balance', NEW.balance_after, 'threshold', v_threshold));
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_entry_webhook_event AFTER INSERT ON ledger_entry
  FOR EACH ROW
  WHEN (NEW.kind = 'PURCHASE' OR NEW.amount < 0)
  EXECUTE FUNCTION ledger_entry_emit_webhook_event();
