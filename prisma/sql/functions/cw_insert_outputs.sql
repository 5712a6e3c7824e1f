-- cw_insert_outputs: The rows of outputs written (each its own index; the
-- unique (job, index) refuses a duplicate) and their timeline events; the
-- caller has fenced the job by its lease and counts them on the job row.
--
-- Guards: §3.9 (no duplicate outputs).
-- History: created in 20261201100000_lean_settlement, never replaced.
CREATE OR REPLACE FUNCTION cw_insert_outputs(
  p_job_id uuid, p_worker_id text, p_indexes integer[], p_ok boolean[], p_mime text[], p_content text[], p_error text[]
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_output (id, job_id, index, worker_id, status, mime_type, content, error, created_at)
  SELECT gen_random_uuid(), p_job_id, o.index, p_worker_id,
         CASE WHEN o.ok THEN 'COMPLETED'::"OutputStatus" ELSE 'FAILED'::"OutputStatus" END,
         o.mime, o.content, o.error, clock_timestamp()
    FROM unnest(p_indexes, p_ok, p_mime, p_content, p_error) AS o(index, ok, mime, content, error);
  INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  SELECT p_job_id, CASE WHEN o.ok THEN 'output' ELSE 'output_failed' END, p_worker_id,
         jsonb_build_object('index', o.index), clock_timestamp()
    FROM unnest(p_indexes, p_ok) AS o(index, ok);
END $$;
