-- Hourly roll-ups for the admin dashboard at scale (issue 11): admin.stats
-- and the charts read one small row per closed hour instead of every job and
-- ledger entry of the period. Nothing on the money path writes here: the
-- rows are computed from facts that can no longer change, by
-- admin_rollup_refresh() (called by the cron route, by the admin reads and
-- by the metrics scrape, bounded per call, safe to run concurrently).
--
-- Why the facts of a closed hour never change:
--   * ledger entries are append-only (trigger ledger_entry_append_only);
--   * a job's status, finished_at and created_at freeze once it is terminal
--     (trigger job_transition), and an hour closes only when every job
--     created in it is terminal;
--   * no new fact can land in a closed hour: its created_at is the clock at
--     insert time (clock_timestamp(), or now() = the transaction start), so
--     an hour closes only once it ended before the oldest transaction still
--     running began, minus a margin for clock steps. A bulk load that writes
--     backdated rows must call admin_rollup_reset() for their period.
--
-- Stats over a period = the roll-ups of its closed hours + the facts of its
-- open hours (the current one, the last couple of minutes, any hour with a
-- job still active) and of the partial hour it starts in; tests and the
-- bench check this against a full recount, and so does the integrity check
-- admin-rollups-match-facts.

-- CreateTable
CREATE TABLE "admin_rollup_hour" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_rollup_hour_pkey" PRIMARY KEY ("hour")
);

-- CreateTable
CREATE TABLE "admin_rollup_job" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL,
    "jobs" INTEGER NOT NULL,

    CONSTRAINT "admin_rollup_job_pkey" PRIMARY KEY ("hour","status")
);

-- CreateTable
CREATE TABLE "admin_rollup_duration" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "first_bucket" SMALLINT NOT NULL,
    "jobs" INTEGER[],

    CONSTRAINT "admin_rollup_duration_pkey" PRIMARY KEY ("hour")
);

-- CreateTable
CREATE TABLE "admin_rollup_credit" (
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "entries" INTEGER NOT NULL,
    "amount" BIGINT NOT NULL,

    CONSTRAINT "admin_rollup_credit_pkey" PRIMARY KEY ("hour","kind")
);

-- AddForeignKey
ALTER TABLE "admin_rollup_job" ADD CONSTRAINT "admin_rollup_job_hour_fkey" FOREIGN KEY ("hour") REFERENCES "admin_rollup_hour"("hour") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "admin_rollup_duration" ADD CONSTRAINT "admin_rollup_duration_hour_fkey" FOREIGN KEY ("hour") REFERENCES "admin_rollup_hour"("hour") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "admin_rollup_credit" ADD CONSTRAINT "admin_rollup_credit_hour_fkey" FOREIGN KEY ("hour") REFERENCES "admin_rollup_hour"("hour") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: what the schema language cannot say.
ALTER TABLE "admin_rollup_hour" ADD CONSTRAINT admin_rollup_hour_aligned CHECK (extract(epoch FROM "hour") % 3600 = 0);
ALTER TABLE "admin_rollup_job" ADD CONSTRAINT admin_rollup_job_positive CHECK ("jobs" > 0);
ALTER TABLE "admin_rollup_duration" ADD CONSTRAINT admin_rollup_duration_dense CHECK (
  "first_bucket" >= 0 AND cardinality("jobs") > 0 AND array_position("jobs", NULL) IS NULL AND 0 <= ALL ("jobs"));
ALTER TABLE "admin_rollup_credit" ADD CONSTRAINT admin_rollup_credit_positive CHECK ("entries" > 0);

-- Job durations as a log-scale histogram, so that p50/p95 can be merged
-- across hours: bucket i > 0 holds (γ^(i-1), γ^i] milliseconds with
-- γ = 1.02 / 0.98; reading it back as 2·γ^i / (γ + 1) is within 2 % of any
-- value in it (src/server/admin/duration-histogram.ts). Bucket 0 holds
-- everything up to 1 ms. The same function buckets the roll-ups and every
-- live or full recount, so they agree exactly.
CREATE FUNCTION admin_duration_bucket(duration_ms double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN duration_ms IS NULL OR duration_ms <= 1 THEN 0
  ELSE least(ceil(ln(duration_ms) / ln(1.02::double precision / 0.98::double precision)), 32767)::smallint END;

CREATE FUNCTION admin_job_duration_bucket(created_at timestamptz, finished_at timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN admin_duration_bucket((extract(epoch FROM finished_at - created_at) * 1000)::double precision);

-- The advisory lock that orders refreshes (shared) and resets (exclusive).
CREATE FUNCTION admin_rollup_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7302185146529410561;

-- Closes up to hours_max hours (newest first) whose facts can no longer
-- change, writing their roll-ups once; returns how many it closed. Safe
-- under concurrent calls: the hour row is claimed with ON CONFLICT DO
-- NOTHING and only the claiming statement writes the hour's details (in the
-- same statement, so a reader sees an hour closed with its details or open
-- without them). as_of (tests) pretends the clock reads earlier.
CREATE FUNCTION admin_rollup_refresh(hours_max integer, as_of timestamptz DEFAULT clock_timestamp())
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  -- Beyond any clock step between the app's and the database's clocks and
  -- the time between a fact's created_at and its transaction's first
  -- appearance in pg_stat_activity.
  close_margin CONSTANT interval := interval '2 minutes';
  oldest_xact_start timestamptz;
  horizon timestamptz;
  first_hour timestamptz;
  candidates timestamptz[];
  closed integer;
BEGIN
  IF hours_max IS NULL OR hours_max < 1 THEN
    RAISE EXCEPTION 'admin_rollup_refresh: hours_max must be at least 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Each step below must read a snapshot taken after the previous one.
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'admin_rollup_refresh runs at READ COMMITTED, not %', current_setting('transaction_isolation')
      USING ERRCODE = 'invalid_transaction_state';
  END IF;
  PERFORM pg_advisory_xact_lock_shared(admin_rollup_lock_key());
  -- A transaction still running may yet commit facts dated from its start:
  -- no hour after the oldest one's start may close.
  PERFORM pg_stat_clear_snapshot();
  SELECT min(xact_start) INTO oldest_xact_start FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND backend_type = 'client backend' AND xact_start IS NOT NULL;
  horizon := least(as_of, clock_timestamp(), oldest_xact_start) - close_margin;
  first_hour := date_trunc('hour', least((SELECT min(created_at) FROM job), (SELECT min(created_at) FROM ledger_entry)), 'UTC');
  IF first_hour IS NULL THEN
    RETURN 0;
  END IF;
  SELECT array_agg(h) INTO candidates FROM (
    SELECT h FROM generate_series(first_hour, horizon - interval '1 hour', interval '1 hour') h
    WHERE NOT EXISTS (SELECT 1 FROM admin_rollup_hour r WHERE r.hour = h)
      AND h NOT IN (SELECT date_trunc('hour', j.created_at, 'UTC') FROM job j WHERE j.status IN ('PENDING', 'PROCESSING'))
    ORDER BY h DESC
    LIMIT hours_max
  ) c;
  IF candidates IS NULL THEN
    RETURN 0;
  END IF;
  WITH marked AS (
    INSERT INTO admin_rollup_hour (hour) SELECT unnest(candidates)
    ON CONFLICT (hour) DO NOTHING
    RETURNING hour
  ), jobs AS (
    INSERT INTO admin_rollup_job (hour, status, jobs)
    SELECT m.hour, j.status::text, count(*)::int
    FROM marked m JOIN job j ON j.created_at >= m.hour AND j.created_at < m.hour + interval '1 hour'
    GROUP BY m.hour, j.status
  ), duration_counts AS (
    SELECT m.hour, admin_job_duration_bucket(j.created_at, j.finished_at) AS bucket, count(*)::int AS n
    FROM marked m JOIN job j ON j.created_at >= m.hour AND j.created_at < m.hour + interval '1 hour'
    WHERE j.status = 'COMPLETED'
    GROUP BY 1, 2
  ), durations AS (
    -- One dense array per hour, from its lowest bucket to its highest.
    INSERT INTO admin_rollup_duration (hour, first_bucket, jobs)
    SELECT b.hour, b.lo, array_agg(COALESCE(c.n, 0) ORDER BY s.bucket)
    FROM (SELECT hour, min(bucket) AS lo, max(bucket) AS hi FROM duration_counts GROUP BY hour) b
    CROSS JOIN LATERAL generate_series(b.lo::int, b.hi::int) s(bucket)
    LEFT JOIN duration_counts c ON c.hour = b.hour AND c.bucket = s.bucket
    GROUP BY b.hour, b.lo
  ), credits AS (
    INSERT INTO admin_rollup_credit (hour, kind, entries, amount)
    SELECT m.hour, l.kind::text, count(*)::int, sum(l.amount)::bigint
    FROM marked m JOIN ledger_entry l ON l.created_at >= m.hour AND l.created_at < m.hour + interval '1 hour'
    GROUP BY m.hour, l.kind
  )
  SELECT count(*)::int INTO closed FROM marked;
  RETURN closed;
END $$;

-- Reopens the hours overlapping [from_at, to_at): for bulk loads and
-- restores that write facts with past dates. Waits for running refreshes
-- (their snapshots may predate the load) and holds new ones off until the
-- caller's transaction ends; the next refresh recomputes the hours.
CREATE FUNCTION admin_rollup_reset(from_at timestamptz, to_at timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  removed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(admin_rollup_lock_key());
  DELETE FROM admin_rollup_hour WHERE hour >= date_trunc('hour', from_at, 'UTC') AND hour < to_at;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
