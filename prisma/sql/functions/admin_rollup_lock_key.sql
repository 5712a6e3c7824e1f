-- admin_rollup_lock_key: The advisory lock that orders roll-up refreshes
-- (shared) and resets (exclusive).
--
-- Guards: no §3 invariant (admin dashboard, issue 11).
-- History: created in 20261130200000_admin_rollups, never replaced.
CREATE OR REPLACE FUNCTION admin_rollup_lock_key() RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 7302185146529410561;
