-- admin_duration_bucket: A job duration's bucket in the admin dashboard's
-- log-scale histogram, so that p50/p95 can be merged across hours: bucket i >
-- 0 holds (γ^(i-1), γ^i] milliseconds with γ = 1.02 / 0.98; reading it back
-- as 2·γ^i / (γ + 1) is within 2 % of any value in it
-- (src/server/admin/duration-histogram.ts). Bucket 0 holds everything up to 1
-- ms. The same function buckets the roll-ups and every live or full recount,
-- so they agree exactly.
--
-- Guards: no §3 invariant (admin dashboard, issue 11); the integrity check
--   admin-rollups-match-facts compares the roll-ups it feeds with the facts.
-- History: created in 20261130200000_admin_rollups, never replaced.
CREATE OR REPLACE FUNCTION admin_duration_bucket(duration_ms double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN duration_ms IS NULL OR duration_ms <= 1 THEN 0
  ELSE least(ceil(ln(duration_ms) / ln(1.02::double precision / 0.98::double precision)), 32767)::smallint END;
