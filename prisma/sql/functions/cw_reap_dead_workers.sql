-- cw_reap_dead_workers: Reaps the worker pools whose heartbeat is older than
-- p_stale_ms and unlocks the queue rows of their runners
-- (graphile_worker.force_unlock_workers), plus rows locked that long by
-- runners no live pool lists. Returns how many rows were unlocked. Safe to
-- run concurrently: a pool is reaped once.
--
-- Guards: §3.8 (a dead worker's queue rows do not stay locked for
--   graphile-worker's four-hour lock timeout).
-- History: created in 20261130140000_worker_registry, replaced in
--   20261207021800_public_enqueue and 20261207204331_cleanup_reads_less: this
--   is the text of the last.
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
  -- Nothing dead (the usual pass): the queue is not read again.
  IF cardinality(v_dead) = 0 THEN
    RETURN 0;
  END IF;
  SELECT count(*) INTO v_unlocked FROM graphile_worker.jobs WHERE locked_by = ANY (v_dead);
  PERFORM graphile_worker.force_unlock_workers(v_dead);
  RETURN v_unlocked;
END $$;
