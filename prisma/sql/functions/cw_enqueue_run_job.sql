-- cw_enqueue_run_job: Enqueues a job's run-job with one insert into
-- graphile-worker's jobs table (the row add_job would make, and the same
-- notification); until a run-job task row exists (a fresh database), add_job
-- makes it. It writes graphile-worker's own table, so package.json pins its
-- version and tests/jobs/enqueue.test.ts compares the row with add_job's.
--
-- Guards: §3.8 (every created or recovered job is enqueued in its own
--   transaction).
-- History: created in 20261201100000_lean_settlement, never replaced.
CREATE OR REPLACE FUNCTION cw_enqueue_run_job(p_job_id uuid, p_user_id text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_task_id integer;
BEGIN
  SELECT id INTO v_task_id FROM graphile_worker._private_tasks WHERE identifier = 'run-job';
  IF NOT FOUND THEN
    PERFORM graphile_worker.add_job('run-job', json_build_object('jobId', p_job_id, 'userId', p_user_id), max_attempts := 5);
    RETURN;
  END IF;
  INSERT INTO graphile_worker._private_jobs (task_id, payload, run_at, max_attempts, priority)
  VALUES (v_task_id, json_build_object('jobId', p_job_id, 'userId', p_user_id), now(), 5, 0);
  PERFORM pg_notify('jobs:insert', '{"r":' || random()::text || ',"count":1}');
END $$;
