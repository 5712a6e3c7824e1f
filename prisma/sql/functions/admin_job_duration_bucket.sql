-- admin_job_duration_bucket: The duration bucket (admin_duration_bucket) of a
-- job from its created_at to its finished_at: used by the roll-ups, the live
-- stats, the full recount and the integrity check.
--
-- Guards: no §3 invariant (admin dashboard, issue 11).
-- History: created in 20261130200000_admin_rollups, never replaced.
CREATE OR REPLACE FUNCTION admin_job_duration_bucket(created_at timestamptz, finished_at timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN admin_duration_bucket((extract(epoch FROM finished_at - created_at) * 1000)::double precision);
