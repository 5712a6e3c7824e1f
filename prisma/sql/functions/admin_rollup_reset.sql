-- admin_rollup_reset: Reopens the admin roll-up hours overlapping [from_at,
-- to_at): for bulk loads and restores that write facts with past dates. Waits
-- for running refreshes and holds new ones off until the caller's transaction
-- ends; the next refresh recomputes the hours.
--
-- Guards: no §3 invariant (admin dashboard, issue 11).
-- History: created in 20261130200000_admin_rollups, never replaced.
CREATE OR REPLACE FUNCTION admin_rollup_reset(from_at timestamptz, to_at timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  removed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(admin_rollup_lock_key());
  DELETE FROM admin_rollup_hour WHERE hour >= date_trunc('hour', from_at, 'UTC') AND hour < to_at;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$;
