-- cw_enqueue_run_jobs: The run-job of each (job, user) pair, in one add_jobs call (a requeue: the
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
--
-- History: created in 20261207021800_public_enqueue, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_enqueue_run_jobs(p_job_ids uuid[], p_workspace_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(p_job_ids) = 0 THEN
    RETURN;
  END IF;
  PERFORM graphile_worker.add_jobs(ARRAY(
    SELECT json_populate_record(NULL::graphile_worker.job_spec, json_build_object(
             'identifier', 'run-job',
             'payload', json_build_object('jobId', q.job_id, 'workspaceId', q.workspace_id),
             'max_attempts', 5))
      FROM unnest(p_job_ids, p_workspace_ids) AS q(job_id, workspace_id)));
END $$;
