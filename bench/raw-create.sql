-- The raw-SQL limit of jobs.create: the same work in one READ COMMITTED
-- transaction with the fewest round trips a hand-written implementation
-- needs. The guarded UPDATE takes the workspace row lock first (as lockAccount
-- does), the limit counts run under it, then the job, its CHARGE (checked by
-- the ledger chain trigger) and its draw from the account's first grant in
-- spending order (the wallet, SPEC §7), the queue entry and the timeline event.
-- Variables: :tag (user id prefix), :accounts (how many users to spread over).
\set n random(1, :accounts)
BEGIN;
UPDATE workspace SET balance = balance - 2
  WHERE id = :tag || '-u-' || :n AND balance >= 2
  RETURNING balance + 2 AS before, balance AS after \gset
SELECT count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING')) AS active,
       count(*) FILTER (WHERE created_at > clock_timestamp() - interval '60 seconds') AS recent
  FROM job WHERE workspace_id = :tag || '-u-' || :n
   AND (status IN ('PENDING', 'PROCESSING') OR created_at > clock_timestamp() - interval '60 seconds');
INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                 idempotency_key, request_hash, deadline_at, created_at, updated_at)
  VALUES (gen_random_uuid(), :tag || '-u-' || :n, :tag || '-u-' || :n, 'storyteller-v1', 'raw baseline', 1, 2, 2,
          gen_random_uuid()::text, 'raw', clock_timestamp() + interval '1 hour', clock_timestamp(), clock_timestamp())
  RETURNING id AS job_id \gset
INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, created_at)
  VALUES (:tag || '-u-' || :n, 'CHARGE', -2, :before, :after, :job_id, 'USER', :tag || '-u-' || :n, 'Generation job', clock_timestamp())
  RETURNING id AS entry_id \gset
INSERT INTO credit_draw (entry_id, grant_id, amount)
  SELECT :entry_id, id, -2 FROM credit_grant
  WHERE workspace_id = :tag || '-u-' || :n AND closed_at IS NULL AND remaining >= 2
  ORDER BY priority, expires_at, id LIMIT 1;
SELECT graphile_worker.add_job('run-job', json_build_object('jobId', :job_id::text), max_attempts := 5);
INSERT INTO job_event (job_id, type, worker_id, data, created_at)
  VALUES (:job_id, 'created', NULL, '{"cost":2,"outputs":1}', clock_timestamp());
COMMIT;
