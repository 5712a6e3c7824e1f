-- admin_rollup_refresh: Closes up to hours_max hours (newest first) whose
-- facts can no longer change, writing their admin roll-ups once; returns how
-- many it closed. Safe under concurrent calls: the hour row is claimed with
-- ON CONFLICT DO NOTHING and only the claiming statement writes the hour's
-- details. The facts of a closed hour never change because ledger entries are
-- append-only (§3.10), a terminal job's status and dates freeze (§3.5), and
-- an hour closes only once it ended before the oldest transaction still
-- running began, minus a margin. as_of (tests) pretends the clock reads
-- earlier. Runs at READ COMMITTED.
--
-- Guards: no invariant of its own; relies on §3.5 and §3.10. Nothing on the
--   money path writes the roll-ups.
-- History: created in 20261130200000_admin_rollups, never replaced.
CREATE OR REPLACE FUNCTION admin_rollup_refresh(hours_max integer, as_of timestamptz DEFAULT clock_timestamp())
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
