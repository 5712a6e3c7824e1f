-- Jobs enter graphile-worker's queue through its public SQL functions only
-- (graphile_worker.add_job, and add_jobs for a batch), never its tables:
-- the queue's authors call _private_jobs and _private_tasks "not a public
-- interface", and 20261201100000_lean_settlement's one-insert enqueue had to
-- pin graphile-worker to 0.16.6 because of it. Every call stays inside the
-- caller's transaction, so a paid job is always queued and a refused or
-- rolled-back one never is (tests/jobs/enqueue.test.ts).
--
-- A create calls add_job in its unsafe_dedupe mode, with a key of its own;
-- the cleanup and a stopping worker requeue their jobs together with one
-- add_jobs call. Why, and what each costs: cw_enqueue_run_job below, and
-- bench/README.md (2026-12-07).
--
-- Functions redefined here: cw_enqueue_run_job, cw_enqueue_run_jobs (new),
-- cw_cleanup_account, cw_release_leases, cw_reap_dead_workers.
--
-- Bodies are PL/pgSQL and name graphile_worker's types only inside
-- statements, which are resolved when they run: our migrations run before
-- graphile-worker installs its schema on a fresh database
-- (scripts/lib/prepare-database.ts).

-- The run-job of each (job, user) pair, in one add_jobs call (a requeue: the
-- cleanup's recoveries, a stopping worker's jobs). The spec, and why each
-- field is what it is:
--  * no job_key: a requeued job needs a new queue row even while its old one
--    is still locked by a worker that lost it; a second delivery is harmless
--    (the worker's claim only takes a PENDING job);
--  * no queue_name: jobs run in parallel, nothing serialises them;
--  * priority 0 (the default) and no flags;
--  * max_attempts 5: a run-job that throws (its claim met a database error)
--    is retried with graphile-worker's backoff (exp(attempts) seconds), about
--    a minute and a half in all; after that liveness belongs to the job's
--    lease and deadline (the cleanup), not to the queue.
-- add_jobs is documented as experimental (its signature may change in a
-- minor release): the spec is built by field name, so a field added to
-- graphile_worker.job_spec stays NULL, its default.
CREATE FUNCTION cw_enqueue_run_jobs(p_job_ids uuid[], p_user_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(p_job_ids) = 0 THEN
    RETURN;
  END IF;
  PERFORM graphile_worker.add_jobs(ARRAY(
    SELECT json_populate_record(NULL::graphile_worker.job_spec, json_build_object(
             'identifier', 'run-job',
             'payload', json_build_object('jobId', q.job_id, 'userId', q.user_id),
             'max_attempts', 5))
      FROM unnest(p_job_ids, p_user_ids) AS q(job_id, user_id)));
END $$;

-- One job's run-job, at its create: add_job (the stable door) with the spec
-- of cw_enqueue_run_jobs, except for a key. It also sends the notification
-- that wakes an idle worker.
--
-- add_job's general path goes through add_jobs, which (graphile-worker
-- 0.18.0) first updates the locked jobs that hold the keys being added.
-- That path costs twice. Its statements take the spec array as a parameter
-- and are planned again on every call: about 0.8 ms more PostgreSQL CPU per
-- create than a plain insert of the row (bench/README.md, 2026-12-07). And
-- when the queue table is empty and analyzed as such (a drained queue)
-- PostgreSQL scans it, which in a SERIALIZABLE transaction takes a
-- predicate lock on the whole table: any two concurrent creates, of any
-- accounts, then fail to serialize (tests/jobs/enqueue-conflicts.test.ts;
-- once, 200 creates at once exhausted one create's retries in
-- tests/ops/two-worker-processes.test.ts).
--
-- add_job's unsafe_dedupe mode is one insert that reads the jobs table
-- through its key index only (about 0.1 ms more than a plain insert). Its
-- hazard, "if a job with this key exists, add nothing, even if that one
-- already started", cannot arise: the key names this job and this
-- transaction (its id is txid_current()), and a job is created once, in the
-- transaction that enqueues it; a requeue is always a row of its own
-- (cw_enqueue_run_jobs, no key). Should graphile-worker route this mode
-- through add_jobs one day, only the cost and the conflicts come back.
CREATE OR REPLACE FUNCTION cw_enqueue_run_job(p_job_id uuid, p_user_id text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', p_job_id, 'userId', p_user_id), max_attempts := 5,
    job_key := 'run-job:' || p_job_id || ':' || txid_current(), job_key_mode := 'unsafe_dedupe');
END $$;

-- The cleanup pass of 20261201100000_lean_settlement; the jobs it recovers
-- are requeued together, with one add_jobs call after the loop.
CREATE OR REPLACE FUNCTION cw_cleanup_account(p_user_id text, p_overdue uuid[], p_expired uuid[], p_max_attempts integer)
RETURNS TABLE (recovered integer, failed integer, refunded integer, grants_expired integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_stuck record;
  v_attempts integer;
  v_settled record;
  v_requeued uuid[] := '{}';
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
        v_requeued := v_requeued || v_stuck.id;
        INSERT INTO job_event (job_id, type, worker_id, data, created_at)
        VALUES (v_stuck.id, 'recovered', NULL, jsonb_build_object('attempts', v_attempts), clock_timestamp());
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
  PERFORM cw_enqueue_run_jobs(v_requeued, array_fill(p_user_id, ARRAY[cardinality(v_requeued)]));
  RETURN QUERY SELECT cardinality(v_requeued), v_failed, v_refunded, v_grants_expired;
END $$;

-- Gives back the jobs a stopping worker still holds (20261130120000_money_functions):
-- PENDING again (outputs kept), the attempt returned (a graceful release is
-- not a failed attempt), requeued together with one add_jobs call.
CREATE OR REPLACE FUNCTION cw_release_leases(p_worker_id text, p_reason text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_job_ids uuid[];
  v_user_ids text[];
BEGIN
  PERFORM cw_assert_serializable();
  WITH released AS (
    UPDATE job SET status = 'PENDING', lease_owner = NULL, lease_expires_at = NULL,
        attempts = greatest(attempts - 1, 0), updated_at = clock_timestamp()
      WHERE status = 'PROCESSING' AND lease_owner = p_worker_id
      RETURNING id, user_id
  )
  SELECT COALESCE(array_agg(id), '{}'), COALESCE(array_agg(user_id), '{}') INTO v_job_ids, v_user_ids FROM released;
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT r.id, 'recovered', p_worker_id, jsonb_build_object('reason', p_reason), clock_timestamp()
    FROM unnest(v_job_ids) AS r(id);
  PERFORM cw_enqueue_run_jobs(v_job_ids, v_user_ids);
  RETURN cardinality(v_job_ids);
END $$;

-- The reaper of 20261130140000_worker_registry, reading graphile-worker's
-- public jobs view instead of its private table. Since graphile-worker
-- 0.17 a queue row is locked by its worker pool's id, not by one runner's:
-- worker_process.runner_ids holds that pool id.
CREATE OR REPLACE FUNCTION cw_reap_dead_workers(p_stale_ms integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_dead text[];
  v_unlocked integer;
BEGIN
  WITH reaped AS (
    DELETE FROM worker_process WHERE heartbeat_at < clock_timestamp() - make_interval(secs => p_stale_ms / 1000.0)
    RETURNING runner_ids
  )
  SELECT COALESCE(array_agg(DISTINCT runner), '{}') INTO v_dead FROM reaped, unnest(reaped.runner_ids) AS runner;
  SELECT v_dead || COALESCE(array_agg(DISTINCT j.locked_by), '{}') INTO v_dead
    FROM graphile_worker.jobs j
   WHERE j.locked_by IS NOT NULL AND j.locked_at < clock_timestamp() - make_interval(secs => p_stale_ms / 1000.0)
     AND NOT EXISTS (SELECT 1 FROM worker_process w WHERE j.locked_by = ANY (w.runner_ids));
  SELECT count(*) INTO v_unlocked FROM graphile_worker.jobs WHERE locked_by = ANY (v_dead);
  IF cardinality(v_dead) > 0 THEN
    PERFORM graphile_worker.force_unlock_workers(v_dead);
  END IF;
  RETURN v_unlocked;
END $$;
