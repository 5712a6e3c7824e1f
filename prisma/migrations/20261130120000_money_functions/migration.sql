-- The money path as SQL functions, each called as the one statement of a
-- SERIALIZABLE Prisma transaction (SPEC §2 "Transactions"): the same checks,
-- locks and writes as before, in one round trip instead of ten, with plans
-- cached by PL/pgSQL. Every function asserts the isolation level it relies
-- on. Lock order everywhere: the user row, then the job row(s).
--
-- The only code that writes a balance or a ledger entry is cw_ledger_post;
-- everything else that moves credits calls it.

-- Fair settlement (SPEC §2): a settlement refunds only the outputs not
-- delivered; an admin's force-fail may refund the whole cost as goodwill.
-- refund_whole_cost records that choice. Jobs settled before this migration
-- refunded the whole cost of every failed or cancelled job (the rule of the
-- time): they are marked too, so that the rule below holds for every row.
ALTER TABLE job ADD COLUMN refund_whole_cost boolean NOT NULL DEFAULT false;
ALTER TABLE job DISABLE TRIGGER job_transition;
UPDATE job SET refund_whole_cost = true
  WHERE status IN ('FAILED', 'CANCELLED') AND refunded_amount = total_cost AND outputs_done > 0;
ALTER TABLE job ENABLE TRIGGER job_transition;
ALTER TABLE job ADD CONSTRAINT job_refund_fair CHECK (
  status IN ('PENDING', 'PROCESSING')
  OR refunded_amount = CASE WHEN refund_whole_cost THEN total_cost
                            ELSE (outputs_requested - outputs_done) * price_per_output END
);

-- The account's limit state, on the user row that every create locks anyway,
-- so that a create reads no index page shared with other accounts (under
-- SERIALIZABLE, a page read by one transaction and written by another is a
-- read/write conflict, and two such make one of them fail):
--  * jobs_active_bound: an upper bound of the account's active jobs, +1 per
--    job created; when it reaches the limit the create counts the real
--    number and stores it (settlements never write it);
--  * job_rate_last_ms / job_rate_counts: jobs created per second over the
--    last 61 seconds (a ring indexed by epoch second mod 61), with the time
--    of each second's latest creation. A second counts in the window until
--    60 s after its latest creation, so every creation inside any 60-second
--    window is counted and the per-minute limit holds exactly (it may refuse
--    up to a second early, never late).
ALTER TABLE "user"
  ADD COLUMN jobs_active_bound integer NOT NULL DEFAULT 0,
  ADD COLUMN job_rate_last_ms bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN job_rate_counts integer[] NOT NULL DEFAULT '{}',
  -- The balance_after of the account's last ledger entry (NULL: none yet),
  -- kept by the ledger's own trigger: the chain is checked against it
  -- instead of reading the ledger's index (see ledger_entry_check_chain).
  ADD COLUMN ledger_tail integer;
UPDATE "user" u SET jobs_active_bound = a.active
  FROM (SELECT user_id, count(*)::int AS active FROM job WHERE status IN ('PENDING', 'PROCESSING') GROUP BY user_id) a
  WHERE a.user_id = u.id;
-- The ring of the jobs created in the last minute, slot = epoch second mod 61.
UPDATE "user" u SET job_rate_last_ms = r.last_ms, job_rate_counts = r.counts
  FROM (
    SELECT user_id,
      array_agg(COALESCE(per_second.last_ms, 0) ORDER BY slot) AS last_ms,
      array_agg(COALESCE(per_second.created, 0) ORDER BY slot) AS counts
    FROM (SELECT DISTINCT user_id FROM job WHERE created_at > now() - interval '61 seconds') recent
    CROSS JOIN generate_series(0, 60) AS slot
    LEFT JOIN LATERAL (
      SELECT max(ceil(extract(epoch FROM created_at) * 1000))::bigint AS last_ms, count(*)::int AS created
      FROM job
      WHERE job.user_id = recent.user_id AND created_at > now() - interval '61 seconds'
        AND (ceil(extract(epoch FROM created_at) * 1000)::bigint / 1000) % 61 = slot
    ) per_second ON true
    GROUP BY user_id
  ) r
  WHERE r.user_id = u.id;
UPDATE "user" u SET ledger_tail = l.balance_after
  FROM (SELECT DISTINCT ON (user_id) user_id, balance_after FROM ledger_entry ORDER BY user_id, id DESC) l
  WHERE l.user_id = u.id;
ALTER TABLE "user" ADD CONSTRAINT user_jobs_active_bound_non_negative CHECK (jobs_active_bound >= 0);

-- §3.1 The chain, checked where the write happens, from the user row: a new
-- entry starts where the last one ended (ledger_tail) and ends at the
-- balance the ledger function has just set; then it becomes the tail.
CREATE OR REPLACE FUNCTION ledger_entry_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  tail integer;
BEGIN
  SELECT balance, ledger_tail INTO current_balance, tail FROM "user" WHERE id = NEW.user_id;
  IF NEW.balance_before <> COALESCE(tail, 0) THEN
    RAISE EXCEPTION 'ledger chain broken for user %: balance_before % but previous balance_after %',
      NEW.user_id, NEW.balance_before, COALESCE(tail, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.balance_after <> current_balance THEN
    RAISE EXCEPTION 'ledger entry for user % ends at % but the balance is %',
      NEW.user_id, NEW.balance_after, current_balance
      USING ERRCODE = 'check_violation';
  END IF;
  UPDATE "user" SET ledger_tail = NEW.balance_after WHERE id = NEW.user_id;
  RETURN NEW;
END $$;

-- Only the ledger's trigger moves the tail (a nested statement); a direct
-- UPDATE of it is refused, so the tail cannot be made to cover a balance
-- the ledger does not explain.
CREATE FUNCTION user_ledger_tail_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'user.ledger_tail is kept by the ledger: direct update refused'
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER user_ledger_tail_guard BEFORE UPDATE OF ledger_tail ON "user"
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION user_ledger_tail_refuse_change();

-- §3.1 from the user row's side, at COMMIT: a changed balance must be where
-- the ledger ends (now read from the same row).
CREATE OR REPLACE FUNCTION user_balance_matches_ledger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  current_balance integer;
  tail integer;
BEGIN
  SELECT balance, ledger_tail INTO current_balance, tail FROM "user" WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  IF current_balance <> COALESCE(tail, 0) THEN
    RAISE EXCEPTION 'balance of user % is % but the ledger ends at %',
      NEW.id, current_balance, COALESCE(tail, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

-- Heartbeats and output writes rewrite the lease every few seconds: with
-- lease_expires_at in no index they are HOT updates (no index entries, no
-- index page written). The cleanup finds expired leases among the
-- PROCESSING jobs through job_status_deadline_at_idx.
DROP INDEX job_status_lease_expires_at_idx;

CREATE FUNCTION cw_assert_serializable() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') <> 'serializable' THEN
    RAISE EXCEPTION 'a money transaction must run at SERIALIZABLE, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'CW500';
  END IF;
END $$;

-- Moves `p_amount` credits and appends the entry that explains it. A debit
-- that would overdraw is refused (CW402), never clamped. The balance UPDATE
-- takes the user row lock when the caller does not hold it yet.
CREATE FUNCTION cw_ledger_post(
  p_user_id text, p_kind "LedgerKind", p_amount integer, p_job_id uuid,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text
) RETURNS ledger_entry
LANGUAGE plpgsql AS $$
DECLARE
  v_before integer;
  v_entry ledger_entry;
BEGIN
  IF p_amount = 0 THEN
    RAISE EXCEPTION 'a ledger amount is a non-zero integer' USING ERRCODE = 'CW500';
  END IF;
  UPDATE "user" SET balance = balance + p_amount, updated_at = now()
    WHERE id = p_user_id AND balance + p_amount >= 0
    RETURNING balance - p_amount INTO v_before;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insufficient credits for user %', p_user_id USING ERRCODE = 'CW402';
  END IF;
  INSERT INTO ledger_entry
    (user_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, idempotency_key, created_at)
  VALUES
    (p_user_id, p_kind, p_amount, v_before, v_before + p_amount, p_job_id, p_actor_type, p_actor_id, p_reason,
     p_idempotency_key, clock_timestamp())
  RETURNING * INTO v_entry;
  RETURN v_entry;
END $$;

-- Grants, purchases and adjustments outside jobs, once per (user, key).
-- outcome: POSTED | REPLAYED | KEY_REUSED | INSUFFICIENT | NOT_POSITIVE | NO_USER.
CREATE FUNCTION cw_move_credits(
  p_user_id text, p_kind "LedgerKind", p_amount integer,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text
) RETURNS TABLE (outcome text, available integer, entry ledger_entry)
LANGUAGE plpgsql AS $$
DECLARE
  v_balance integer;
  v_existing ledger_entry;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT balance INTO v_balance FROM "user" WHERE id = p_user_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::ledger_entry;
    RETURN;
  END IF;
  SELECT * INTO v_existing FROM ledger_entry WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_existing.kind <> p_kind OR v_existing.amount <> p_amount THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, v_balance, NULL::ledger_entry;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, v_balance, v_existing;
    END IF;
    RETURN;
  END IF;
  IF p_kind <> 'ADJUSTMENT' AND p_amount <= 0 THEN
    RETURN QUERY SELECT 'NOT_POSITIVE'::text, v_balance, NULL::ledger_entry;
    RETURN;
  END IF;
  IF v_balance + p_amount < 0 THEN
    RETURN QUERY SELECT 'INSUFFICIENT'::text, v_balance, NULL::ledger_entry;
    RETURN;
  END IF;
  RETURN QUERY SELECT 'POSTED'::text, v_balance + p_amount,
    cw_ledger_post(p_user_id, p_kind, p_amount, NULL, p_actor_type, p_actor_id, p_reason, p_idempotency_key);
END $$;

-- One user intent: replay, refuse, or create + charge + enqueue, together.
-- outcome: CREATED | REPLAYED | KEY_REUSED | RATE_LIMITED (detail = seconds
-- to wait) | MAX_ACTIVE (detail = active jobs) | INSUFFICIENT (detail =
-- credits missing, available) | NO_USER. The common path reads only the
-- user row: the limits live on it, and the idempotency key is checked by
-- the unique index itself (the insert), the existing job read only for a
-- replay or a refusal.
CREATE FUNCTION cw_create_job(
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
  ELSIF v_user.balance < v_cost THEN
    v_refusal := 'INSUFFICIENT';
    v_detail := v_cost - v_user.balance;
  END IF;
  IF v_refusal IS NULL THEN
    -- created_at is the clock at insert time, taken under the user lock.
    INSERT INTO job (id, user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                     idempotency_key, request_hash, deadline_at, created_at, updated_at)
    VALUES (gen_random_uuid(), p_user_id, p_model_id, p_prompt, p_outputs, p_price, v_cost,
            p_idempotency_key, p_request_hash, v_now + make_interval(secs => p_timeout_ms / 1000.0), v_now, v_now)
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
      PERFORM cw_ledger_post(p_user_id, 'CHARGE', -v_cost, v_job.id, 'USER', p_user_id, 'Generation job', NULL);
      PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_job.id, 'userId', p_user_id), max_attempts := 5);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_job.id, 'created', NULL, jsonb_build_object('cost', v_cost, 'outputs', p_outputs), clock_timestamp());
      RETURN QUERY SELECT 'CREATED'::text, NULL::integer, v_user.balance - v_cost, v_job;
      RETURN;
    END IF;
  END IF;
  -- Refused, or the key exists: the same request is a replay (whatever the
  -- limits say now), another request under the same key is refused.
  SELECT * INTO v_job FROM job WHERE user_id = p_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_job.request_hash <> p_request_hash THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, NULL::integer, v_user.balance, NULL::job;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, NULL::integer, v_user.balance, v_job;
    END IF;
    RETURN;
  END IF;
  IF v_refusal IS NULL THEN
    RAISE EXCEPTION 'key % of user % conflicted but no job holds it', p_idempotency_key, p_user_id USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT v_refusal, v_detail, v_user.balance, NULL::job;
END $$;

-- Ends a job (the only way one ends) if `p_guard` still holds, and refunds
-- the outputs not delivered — or the whole cost for an admin's goodwill
-- force-fail — exactly once. The refund is known before anything is written
-- (only the lease holder changes outputs_done, and a concurrent change makes
-- this transaction fail to serialize), so the user row is locked first, and
-- only when credits move.
-- p_guard: 'lease' (held by p_worker_id) | 'active' | 'overdue' | 'lease-expired'.
CREATE FUNCTION cw_settle_job(
  p_job_id uuid, p_status "JobStatus", p_guard text, p_worker_id text,
  p_actor_type "ActorType", p_actor_id text, p_error_code text, p_error_message text,
  p_goodwill boolean, p_reason text
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
                   ELSE (v_job.outputs_requested - v_job.outputs_done) * v_job.price_per_output END;
  IF v_refund > 0 THEN
    PERFORM 1 FROM "user" WHERE id = v_job.user_id FOR UPDATE;
  END IF;
  UPDATE job SET
      status = p_status, refunded_amount = v_refund, refund_whole_cost = p_goodwill,
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

-- Whether a settlement's precondition holds for this job now.
CREATE FUNCTION cw_guard_holds(p_job job, p_guard text, p_worker_id text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE p_guard
    WHEN 'lease' THEN p_job.status = 'PROCESSING' AND p_job.lease_owner = p_worker_id
    WHEN 'active' THEN p_job.status IN ('PENDING', 'PROCESSING')
    WHEN 'overdue' THEN p_job.status IN ('PENDING', 'PROCESSING') AND p_job.deadline_at < clock_timestamp()
    WHEN 'lease-expired' THEN p_job.status = 'PROCESSING' AND p_job.lease_expires_at < clock_timestamp()
    ELSE false
  END
$$;

-- A worker takes a PENDING job with a lease, and learns which outputs a
-- previous attempt already delivered (a recovered job makes only the rest).
CREATE FUNCTION cw_claim_job(p_job_id uuid, p_worker_id text, p_lease_ms integer, p_max_attempts integer)
RETURNS TABLE (j job, done_indexes integer[])
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
BEGIN
  PERFORM cw_assert_serializable();
  UPDATE job SET
      status = 'PROCESSING', lease_owner = p_worker_id,
      lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
      attempts = attempts + 1, started_at = COALESCE(started_at, clock_timestamp()),
      heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status = 'PENDING' AND deadline_at > clock_timestamp() AND attempts < p_max_attempts
    RETURNING * INTO v_job;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (p_job_id, 'claimed', p_worker_id, jsonb_build_object('attempt', v_job.attempts), clock_timestamp());
  -- A first attempt has no outputs yet: only a recovered job reads them.
  RETURN QUERY SELECT v_job, CASE WHEN v_job.attempts = 1 THEN '{}'::integer[]
    ELSE COALESCE((SELECT array_agg(index ORDER BY index) FROM job_output WHERE job_id = p_job_id), '{}') END;
END $$;

-- Writes outputs (each its own index; the unique (job, index) refuses a
-- duplicate) and the job's progress together, fenced by the lease and
-- renewing it. False, with nothing written, when the lease is gone.
CREATE FUNCTION cw_write_outputs(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[]
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_ok integer;
  v_failed integer;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) INTO v_ok, v_failed FROM unnest(p_ok) AS t(ok);
  UPDATE job SET
      outputs_done = outputs_done + v_ok, outputs_failed = outputs_failed + v_failed,
      lease_expires_at = clock_timestamp() + make_interval(secs => p_lease_ms / 1000.0),
      heartbeat_at = clock_timestamp(), updated_at = clock_timestamp()
    WHERE id = p_job_id AND status = 'PROCESSING' AND lease_owner = p_worker_id;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO job_output (id, job_id, index, worker_id, status, mime_type, content, error, created_at)
  SELECT gen_random_uuid(), p_job_id, o.index, p_worker_id,
         CASE WHEN o.ok THEN 'COMPLETED'::"OutputStatus" ELSE 'FAILED'::"OutputStatus" END,
         o.mime, o.content, o.error, clock_timestamp()
    FROM unnest(p_indexes, p_ok, p_mime, p_content, p_error) AS o(index, ok, mime, content, error);
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT p_job_id, CASE WHEN o.ok THEN 'output' ELSE 'output_failed' END, p_worker_id,
         jsonb_build_object('index', o.index), clock_timestamp()
    FROM unnest(p_indexes, p_ok) AS o(index, ok);
  RETURN true;
END $$;

-- Gives back the jobs a stopping worker still holds: PENDING again (outputs
-- kept), the attempt returned (a graceful release is not a failed attempt),
-- requeued.
CREATE FUNCTION cw_release_leases(p_worker_id text, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_job record;
  v_count integer := 0;
BEGIN
  PERFORM cw_assert_serializable();
  FOR v_job IN
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        attempts = greatest(attempts - 1, 0), updated_at = clock_timestamp()
      WHERE status = 'PROCESSING' AND lease_owner = p_worker_id
      RETURNING id, user_id
  LOOP
    PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_job.id, 'userId', v_job.user_id), max_attempts := 5);
    INSERT INTO job_event (job_id, type, worker_id, data, created_at)
    VALUES (v_job.id, 'recovered', p_worker_id, jsonb_build_object('reason', p_reason), clock_timestamp());
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$;

-- The end of a worker's run in one transaction: the outputs it has not
-- written yet, then the settlement (fenced by its lease). The final status
-- and the refund are decided first, from the job as this transaction sees
-- it plus these outputs, so the user row is locked before the job row (and
-- only when credits come back). p_status: NULL = generation finished
-- (COMPLETED, or FAILED with ALL_OUTPUTS_FAILED when nothing was
-- delivered); 'FAILED' = the provider or the deadline ended it.
-- outcome: SETTLED | LEASE_LOST.
CREATE FUNCTION cw_finish_job(
  p_job_id uuid, p_worker_id text, p_lease_ms integer,
  p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[],
  p_status "JobStatus", p_error_code text, p_error_message text
) RETURNS TABLE (outcome text, status text, refunded integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_job job;
  v_done integer;
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
  v_done := v_job.outputs_done + (SELECT count(*) FROM unnest(p_ok) AS t(ok) WHERE ok);
  IF v_status IS NULL THEN
    IF v_done = 0 THEN
      v_status := 'FAILED';
      v_error_code := 'ALL_OUTPUTS_FAILED';
      v_error_message := 'No output could be generated.';
    ELSE
      v_status := 'COMPLETED';
    END IF;
  END IF;
  IF v_done < v_job.outputs_requested THEN
    PERFORM 1 FROM "user" WHERE id = v_job.user_id FOR UPDATE;
  END IF;
  IF cardinality(p_indexes) > 0 AND NOT cw_write_outputs(p_job_id, p_worker_id, p_lease_ms, p_indexes, p_ok, p_mime, p_content, p_error) THEN
    RAISE EXCEPTION 'lease of job % changed under a serializable finish', p_job_id USING ERRCODE = 'CW500';
  END IF;
  SELECT * INTO v_settled FROM cw_settle_job(p_job_id, v_status, 'lease', p_worker_id, 'SYSTEM', p_worker_id,
    v_error_code, v_error_message, false,
    CASE WHEN v_status = 'COMPLETED' THEN 'Undelivered outputs'
         ELSE 'Job failed (' || COALESCE(v_error_code, 'PROVIDER_ERROR') || '): undelivered outputs' END);
  RETURN QUERY SELECT 'SETTLED'::text, v_status::text, v_settled.refunded;
END $$;

-- One account's stuck jobs in one transaction: jobs past their deadline are
-- failed (undelivered outputs refunded); jobs whose worker died (lease
-- expired) are requeued with their outputs kept, until p_max_attempts,
-- then failed. Each job's own guard is re-checked, so a job a worker or
-- another cleanup ended meanwhile is left alone.
CREATE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_attempts integer;
  v_settled record;
  v_recovered integer := 0;
  v_failed integer := 0;
  v_refunded integer := 0;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM "user" WHERE id = p_user_id FOR UPDATE;
  FOREACH v_id IN ARRAY p_overdue LOOP
    SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'overdue', NULL, 'SYSTEM', 'cleanup',
      'TIMEOUT', 'The job did not finish before its deadline.', false, 'Job failed (TIMEOUT): undelivered outputs');
    IF v_settled.settled THEN
      v_failed := v_failed + 1;
      IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
    END IF;
  END LOOP;
  FOREACH v_id IN ARRAY p_expired LOOP
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()
      WHERE id = v_id AND user_id = p_user_id AND status = 'PROCESSING' AND lease_expires_at < clock_timestamp()
        AND attempts < p_max_attempts AND deadline_at > clock_timestamp()
      RETURNING attempts INTO v_attempts;
    IF FOUND THEN
      PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', v_id, 'userId', p_user_id), max_attempts := 5);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
      v_recovered := v_recovered + 1;
    ELSE
      SELECT * INTO v_settled FROM cw_settle_job(v_id, 'FAILED', 'lease-expired', NULL, 'SYSTEM', 'cleanup',
        'WORKER_LOST', format('The worker stopped responding %s times.', p_max_attempts), false,
        'Job failed (WORKER_LOST): undelivered outputs');
      IF v_settled.settled THEN
        v_failed := v_failed + 1;
        IF v_settled.refunded > 0 THEN v_refunded := v_refunded + 1; END IF;
      END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT v_recovered, v_failed, v_refunded;
END $$;
