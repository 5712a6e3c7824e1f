-- cw_guard_holds: Whether a settlement's precondition holds for this job now.
-- p_guard: 'lease' (held by p_worker_id) | 'active' | 'overdue' |
-- 'lease-expired'.
--
-- Guards: §3.5 (a late worker's or a second cleanup's settlement changes
--   nothing), §3.4 (settled once).
-- History: created in 20261130120000_money_functions, never replaced.
CREATE OR REPLACE FUNCTION cw_guard_holds(p_job job, p_guard text, p_worker_id text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE p_guard
    WHEN 'lease' THEN p_job.status = 'PROCESSING' AND p_job.lease_owner = p_worker_id
    WHEN 'active' THEN p_job.status IN ('PENDING', 'PROCESSING')
    WHEN 'overdue' THEN p_job.status IN ('PENDING', 'PROCESSING') AND p_job.deadline_at < clock_timestamp()
    WHEN 'lease-expired' THEN p_job.status = 'PROCESSING' AND p_job.lease_expires_at < clock_timestamp()
    ELSE false
  END
$$;
