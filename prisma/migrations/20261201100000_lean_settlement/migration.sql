-- A settlement writes less: the cleanup settles 10,000 stuck jobs in under
-- 10 s on one lane, and a worker finishes a job with one UPDATE of it; a
-- create enqueues its job with one insert.
--
-- 1. Fewer index entries per job update. A status change is not a HOT
--    update, so every index of the job gets a new entry for the new row
--    version. The cleanup's scans (and the integrity check and the stuck
--    counters) read overdue and expired jobs among the active ones only: a
--    partial index of the active jobs' deadlines serves them all and gets no
--    entry when a job ends. Nothing reads job_finished_at_idx any more (the
--    dashboard reads the covering created_at index and the roll-ups).
DROP INDEX job_status_deadline_at_idx;
DROP INDEX job_finished_at_idx;
CREATE INDEX job_active_deadline ON job (deadline_at) WHERE status IN ('PENDING', 'PROCESSING');

-- 2. Fewer statements per settlement.
--  * The cleanup's account pass locks the user row once and brings the
--    grants up to the clock again only when one of them falls due during
--    the pass (cw_grants_due_at), instead of both per job: its settlements
--    say so (p_account_ready).
--  * A worker's finish writes its last outputs' counts with the settlement,
--    in the job's one UPDATE (p_more_done, p_more_failed), instead of a
--    progress UPDATE and then the settlement's.
--  Everything else is the settlement of 20261130300100_wallet_grants.
CREATE FUNCTION cw_grants_due_at(p_user_id text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN least(
    (SELECT min(expires_at) FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND expires_at IS NOT NULL),
    (SELECT min(effective_at) FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND opened_at IS NULL));
END $$;

DROP FUNCTION cw_settle_job(uuid, "JobStatus", text, text, "ActorType", text, text, text, boolean, text);
CREATE FUNCTION cw_settle_job(
  p_job_id uuid, p_status "JobStatus", p_guard text, p_worker_id text,
  p_actor_type "ActorType", p_actor_id text, p_error_code text, p_error_message text,
  p_goodwill boolean, p_reason text, p_account_ready boolean DEFAULT false,
  p_more_done integer DEFAULT 0, p_more_failed integer DEFAULT 0
) RETURNS TABLE (settled boolean, refunded integer, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_refund integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT * INTO v_job FROM job WHERE id = p_job_id;
  IF NOT FOUND OR NOT cw_guard_holds(v_job, p_guard, p_worker_id) THEN
    RETURN QUERY SELECT false, 0, v_job;
    RETURN;
  END IF;
  v_refund := CASE WHEN p_goodwill THEN v_job.total_cost
                   ELSE (v_job.outputs_requested - v_job.outputs_done - p_more_done) * v_job.price_per_output END;
  IF v_refund > 0 AND NOT p_account_ready THEN
    PERFORM 1 FROM "user" WHERE id = v_job.user_id FOR UPDATE;
    PERFORM cw_refresh_grants(v_job.user_id);
  END IF;
  UPDATE job SET
      status = p_status, refunded_amount = v_refund, refund_whole_cost = p_goodwill,
      outputs_done = outputs_done + p_more_done, outputs_failed = outputs_failed + p_more_failed,
      error_code = p_error_code, error_message = p_error_message,
      lease_owner = NULL, lease_expires_at = NULL,
      finished_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status IN ('PENDING', 'PROCESSING')
    RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % changed under a serializable settlement', p_job_id USING ERRCODE = 'CW500';
  END IF;
  IF v_refund > 0 THEN
    PERFORM cw_ledger_post(v_job.user_id, 'REFUND', v_refund, p_job_id, p_actor_type, p_actor_id, p_reason, NULL);
  END IF;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (p_job_id, 'settled', p_worker_id,
          jsonb_build_object('status', p_status, 'refunded', v_refund, 'errorCode', p_error_code, 'goodwill', p_goodwill),
          clock_timestamp());
  RETURN QUERY SELECT true, v_refund, v_job;
END $$;

-- The rows of outputs written (each its own index; the unique (job, index)
-- refuses a duplicate) and their timeline events; the caller has fenced the
-- job by its lease and counts them on the job row.
CREATE FUNCTION cw_insert_outputs(
  p_job_id uuid, p_worker_id text, p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[]
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_output (id, job_id, index, worker_id, status, mime_type, content, error, created_at)
  SELECT gen_random_uuid(), p_job_id, o.index, p_worker_id,
         CASE WHEN o.ok THEN 'COMPLETED'::"OutputStatus" ELSE 'FAILED'::"OutputStatus" END,
         o.mime, o.content, o.error, clock_timestamp()
    FROM unnest(p_indexes, p_ok, p_mime, p_content, p_error) AS o(index, ok, mime, content, error);
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT p_job_id, CASE WHEN o.ok THEN 'output' ELSE 'output_failed' END, p_worker_id,
         jsonb_build_object('index', o.index), clock_timestamp()
    FROM unnest(p_indexes, p_ok) AS o(index, ok);
END $$;

-- Outputs written while the job runs, with its progress, fenced by the
-- lease and renewing it. False, with nothing written, when the lease is gone.
CREATE OR REPLACE FUNCTION cw_write_outputs(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[]
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cw_assert_serializable();
  UPDATE job SET
      outputs_done = outputs_done + (SELECT count(*) FROM unnest(p_ok) AS t(ok) WHERE ok),
      outputs_failed = outputs_failed + (SELECT count(*) FROM unnest(p_ok) AS t(ok) WHERE NOT ok),
      lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
      heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status = 'PROCESSING' AND lease_owner = p_worker_id;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  PERFORM cw_insert_outputs(p_job_id, p_worker_id, p_indexes, p_ok, p_mime, p_content, p_error);
  RETURN true;
END $$;

-- The end of a worker's run in one transaction: the outputs it has not
-- written yet, counted by the settlement's own UPDATE (fenced by its lease).
-- The final status and the refund are decided first, from the job as this
-- transaction sees it plus these outputs, so the user row is locked before
-- the job row (and only when credits come back). p_status: NULL =
-- generation finished (COMPLETED, or FAILED with ALL_OUTPUTS_FAILED when
-- nothing was delivered); 'FAILED' = the provider or the deadline ended it.
-- outcome: SETTLED | LEASE_LOST.
CREATE OR REPLACE FUNCTION cw_finish_job(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[],
  p_status "JobStatus", p_error_code text, p_error_message text
) RETURNS TABLE (outcome text, status text, refunded integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_ok integer;
  v_failed integer;
  v_status "JobStatus" := p_status;
  v_error_code text := p_error_code;
  v_error_message text := p_error_message;
  v_settled record;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT * INTO v_job FROM job WHERE id = p_job_id;
  IF NOT FOUND OR NOT cw_guard_holds(v_job, 'lease', p_worker_id) THEN
    RETURN QUERY SELECT 'LEASE_LOST'::text, NULL::text, 0;
    RETURN;
  END IF;
  SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) INTO v_ok, v_failed FROM unnest(p_ok) AS t(ok);
  IF v_status IS NULL THEN
    IF v_job.outputs_done + v_ok = 0 THEN
      v_status := 'FAILED';
      v_error_code := 'ALL_OUTPUTS_FAILED';
      v_error_message := 'No output could be generated.';
    ELSE
      v_status := 'COMPLETED';
    END IF;
  END IF;
  IF v_job.outputs_done + v_ok < v_job.outputs_requested THEN
    PERFORM 1 FROM "user" WHERE id = v_job.user_id FOR UPDATE;
  END IF;
  IF cardinality(p_indexes) > 0 THEN
    PERFORM cw_insert_outputs(p_job_id, p_worker_id, p_indexes, p_ok, p_mime, p_content, p_error);
  END IF;
  SELECT * INTO v_settled FROM cw_settle_job(p_job_id, v_status, 'lease', p_worker_id, 'SYSTEM', p_worker_id,
    v_error_code, v_error_message, false,
    CASE WHEN v_status = 'COMPLETED' THEN 'Undelivered outputs'
         ELSE 'Job failed (' || COALESCE(v_error_code, 'PROVIDER_ERROR') || '): undelivered outputs' END,
    false, v_ok, v_failed);
  IF NOT v_settled.settled THEN
    RAISE EXCEPTION 'lease of job % changed under a serializable finish', p_job_id USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT 'SETTLED'::text, v_status::text, v_settled.refunded;
END $$;

CREATE OR REPLACE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_stuck record;
  v_attempts integer;
  v_settled record;
  v_recovered integer := 0;
  v_failed integer := 0;
  v_refunded integer := 0;
  v_grants_expired integer;
  v_grants_due_at timestamptz;
BEGIN
  PERFORM cw_assert_serializable();
  IF NOT pg_try_advisory_xact_lock(hashtext('cw_cleanup_account'), hashtext(p_user_id)) THEN
    RETURN QUERY SELECT 0, 0, 0, 0;
    RETURN;
  END IF;
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  v_grants_expired := cw_refresh_grants(p_user_id);
  v_grants_due_at := cw_grants_due_at(p_user_id);
  FOR v_stuck IN
    SELECT o.id, true AS overdue FROM unnest(p_overdue) AS o(id)
    UNION ALL
    SELECT e.id, false FROM unnest(p_expired) AS e(id)
  LOOP
    IF v_grants_due_at <= clock_timestamp() THEN
      v_grants_expired := v_grants_expired + cw_refresh_grants(p_user_id);
      v_grants_due_at := cw_grants_due_at(p_user_id);
    END IF;
    IF v_stuck.overdue THEN
      SELECT * INTO v_settled FROM cw_settle_job(v_stuck.id, 'FAILED', 'overdue', NULL, 'SYSTEM', 'cleanup',
        'TIMEOUT', 'The job did not finish before its deadline.', false, 'Job failed (TIMEOUT): undelivered outputs', true);
    ELSE
      UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
        WHERE id = v_stuck.id AND user_id = p_user_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
          AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
        RETURNING attempts INTO v_attempts;
      IF FOUND THEN
        PERFORM cw_enqueue_run_job(v_stuck.id, p_user_id);
        INSERT INTO job_event (job_id, type, worker_id, data, created_at)
        VALUES (v_stuck.id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
        v_recovered := v_recovered + 1;
        CONTINUE;
      END IF;
      SELECT * INTO v_settled FROM cw_settle_job(v_stuck.id, 'FAILED', 'lease-expired', NULL, 'SYSTEM', 'cleanup',
        'WORKER_LOST', format('The worker stopped responding %s times.', p_max_attempts), false,
        'Job failed (WORKER_LOST): undelivered outputs', true);
    END IF;
    IF v_settled.settled THEN
      v_failed := v_failed + 1;
      IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT v_recovered, v_failed, v_refunded, v_grants_expired;
END $$;

-- 3. A job enters the queue with one insert. graphile_worker.add_job is
--    the general door (task and queue upserts, job keys, a batch): about
--    0.7 ms of a create's 2.4 ms of PostgreSQL time. A run-job has no key
--    and no named queue, so its row is the insert add_jobs would make, and
--    the same notification wakes the workers. It writes graphile-worker's
--    own table, so package.json pins its version, and
--    tests/jobs/enqueue.test.ts compares the row with add_job's. Until a
--    run-job task row exists (a fresh database), add_job makes it.
CREATE FUNCTION cw_enqueue_run_job(p_job_id uuid, p_user_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_task_id integer;
BEGIN
  SELECT id INTO v_task_id FROM graphile_worker._private_tasks WHERE identifier = 'run-job';
  IF NOT FOUND THEN
    PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', p_job_id, 'userId', p_user_id), max_attempts := 5);
    RETURN;
  END IF;
  INSERT INTO graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, priority)
  VALUES (v_task_id, json_build_object('jobId', p_job_id, 'userId', p_user_id), now(), 5, 0);
  PERFORM pg_notify('jobs:insert', '{"r":' || random()::text || ',"count":1}');
END $$;

-- The create of 20261130300100_wallet_grants, enqueuing with cw_enqueue_run_job.
CREATE OR REPLACE FUNCTION cw_create_job(
  p_user_id text, p_idempotency_key text, p_request_hash text, p_model_id text, p_prompt text,
  p_outputs integer, p_price integer, p_timeout_ms integer, p_max_active integer, p_rate_limit integer,
  p_rate_window_s integer
) RETURNS TABLE (outcome text, detail integer, available integer, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_user record;
  v_job job;
  v_cost integer := p_price * p_outputs;
  v_now timestamptz := clock_timestamp();
  -- Rounded up: never before the job's created_at (stored to the millisecond).
  v_now_ms bigint := ceil(extract(epoch FROM v_now) * 1000)::bigint;
  v_slots integer := p_rate_window_s + 1;
  v_slot integer := ((v_now_ms / 1000) % v_slots)::integer + 1;
  v_last_ms bigint[];
  v_counts integer[];
  v_recent integer;
  v_oldest_last_ms bigint;
  v_active integer;
  v_balance integer;
  v_refusal text;
  v_detail integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT balance, deleted_at, jobs_active_bound, job_rate_last_ms, job_rate_counts INTO v_user
    FROM "user" WHERE id = p_user_id FOR UPDATE;
  IF NOT FOUND OR v_user.deleted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::integer, NULL::job;
    RETURN;
  END IF;
  v_balance := v_user.balance;
  IF EXISTS (SELECT 1 FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND expires_at <= v_now)
     OR EXISTS (SELECT 1 FROM credit_grant WHERE user_id = p_user_id AND closed_at IS NULL AND opened_at IS NULL
                  AND effective_at <= v_now) THEN
    PERFORM cw_refresh_grants(p_user_id);
    SELECT balance INTO v_balance FROM "user" WHERE id = p_user_id;
  END IF;
  -- The per-second ring: a second counts until 60 s after its latest creation.
  v_last_ms := v_user.job_rate_last_ms;
  v_counts := v_user.job_rate_counts;
  IF cardinality(v_last_ms) <> v_slots THEN
    v_last_ms := array_fill(0::bigint, ARRAY[v_slots]);
    v_counts := array_fill(0, ARRAY[v_slots]);
  END IF;
  SELECT COALESCE(sum(c), 0), min(l) INTO v_recent, v_oldest_last_ms
    FROM unnest(v_last_ms, v_counts) AS t(l, c) WHERE c > 0 AND l > v_now_ms - p_rate_window_s * 1000;
  v_active := v_user.jobs_active_bound;
  IF v_active >= p_max_active THEN
    SELECT count(*) INTO v_active FROM job WHERE user_id = p_user_id AND status IN ('PENDING', 'PROCESSING');
  END IF;
  IF v_recent >= p_rate_limit THEN
    v_refusal := 'RATE_LIMITED';
    v_detail := greatest(1, ceil((v_oldest_last_ms + p_rate_window_s * 1000 - v_now_ms) / 1000.0))::integer;
  ELSIF v_active >= p_max_active THEN
    v_refusal := 'MAX_ACTIVE';
    v_detail := v_active;
  ELSIF v_balance < v_cost THEN
    v_refusal := 'INSUFFICIENT';
    v_detail := v_cost - v_balance;
  END IF;
  IF v_refusal IS NULL THEN
    -- created_at is the clock at insert time, taken under the user lock.
    INSERT INTO job (id, user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                     idempotency_key, request_hash, deadline_at, created_at, updated_at, charge_entry_id)
    VALUES (gen_random_uuid(), p_user_id, p_model_id, p_prompt, p_outputs, p_price, v_cost,
            p_idempotency_key, p_request_hash, v_now + make_interval(secs => p_timeout_ms / 1000.0), v_now, v_now,
            nextval('ledger_entry_id_seq'))
    ON CONFLICT (user_id, idempotency_key) DO NOTHING
    RETURNING * INTO v_job;
    IF FOUND THEN
      IF v_last_ms[v_slot] / 1000 = v_now_ms / 1000 THEN
        v_counts[v_slot] := v_counts[v_slot] + 1;
      ELSE
        v_counts[v_slot] := 1;
      END IF;
      v_last_ms[v_slot] := v_now_ms;
      UPDATE "user" SET jobs_active_bound = v_active + 1, job_rate_last_ms = v_last_ms, job_rate_counts = v_counts
        WHERE id = p_user_id;
      PERFORM cw_ledger_post(p_user_id, 'CHARGE', -v_cost, v_job.id, 'USER', p_user_id, 'Generation job', NULL,
        p_entry_id := v_job.charge_entry_id);
      PERFORM cw_enqueue_run_job(v_job.id, p_user_id);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_job.id, 'created', NULL, jsonb_build_object('cost', v_cost, 'outputs', p_outputs), clock_timestamp());
      RETURN QUERY SELECT 'CREATED'::text, NULL::integer, v_balance - v_cost, v_job;
      RETURN;
    END IF;
  END IF;
  -- Refused, or the key exists: the same request is a replay (whatever the
  -- limits say now), another request under the same key is refused.
  SELECT * INTO v_job FROM job WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_job.request_hash <> p_request_hash THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, NULL::integer, v_balance, NULL::job;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, NULL::integer, v_balance, v_job;
    END IF;
    RETURN;
  END IF;
  IF v_refusal IS NULL THEN
    RAISE EXCEPTION 'key % of user % conflicted but no job holds it', p_idempotency_key, p_user_id USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT v_refusal, v_detail, v_balance, NULL::job;
END $$;

-- 4. A job's webhook event is built only for a user who listens to it (the
--    common case is nobody: one probe, no JSON).
CREATE OR REPLACE FUNCTION job_emit_webhook_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoint
                 WHERE user_id = NEW.user_id AND enabled AND 'job.' || lower(NEW.status::text) = ANY (events)) THEN
    RETURN NULL;
  END IF;
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
