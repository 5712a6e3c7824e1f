-- cw_create_job: One user intent: replay, refuse, or create + charge +
-- enqueue, together. outcome: CREATED | REPLAYED | KEY_REUSED | RATE_LIMITED
-- (detail = seconds to wait) | MAX_ACTIVE (detail = active jobs) |
-- INSUFFICIENT (detail = credits missing) | BUDGET_EXCEEDED (budget = the
-- budget it would exceed, cw_budget_room's answer) | NO_USER (no such
-- workspace, or the acting member's account is deleted) | NO_WORKSPACE (a
-- deleted team) | NOT_MEMBER (the actor is not a member of the workspace:
-- removed, or left, after the session was read). p_actor_user_id: the
-- member who acts (job.actor_user_id, the CHARGE's actor). p_api_key_id: the
-- API key that makes the request (its budget applies too), NULL from the app.
-- The common path reads only the workspace row (and by key the actor's user
-- row and membership, under the workspace's lock and in the charge's
-- SERIALIZABLE transaction, so a removal either happened before, and the
-- create is refused, or after, and the job was the member's to make): the
-- limits live on it (jobs_active_bound, the per-second rate ring), and the
-- idempotency key, one member's (SPEC §3.6: the same (user, key)), is
-- checked by the unique index itself (the insert). It
-- brings the workspace's grants up to date before it reads the balance, and
-- enqueues with cw_enqueue_run_job.
--
-- Guards: §3.3 (the charge in the job's transaction), §3.6 (idempotency by
--   the unique index), §3.7 (limits under concurrency), §3.2 (through
--   cw_ledger_post), §3.14 (budgets: cw_budget_room before, cw_budget_charge
--   with the charge).
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261201100000_lean_settlement,
--   20261207124830_budget_functions, 20261207144716_workspace_functions, 20261207150155_workspace_teams_functions
--   (the acting member's budget), 20261207171832_create_job_checks_membership (the membership read inside the
--   create), 20261207173717_idempotency_per_member (a key per
--   member), 20261207182815_create_job_refuses_deleted_team (a deleted team refused from the row the create
--   already reads, instead of a trigger on every job insert): this is the
--   text of the last.
CREATE OR REPLACE FUNCTION cw_create_job(
  p_workspace_id text, p_actor_user_id text, p_idempotency_key text, p_request_hash text, p_model_id text, p_prompt text,
  p_outputs integer, p_price integer, p_timeout_ms integer, p_max_active integer, p_rate_limit integer,
  p_rate_window_s integer, p_api_key_id uuid DEFAULT NULL
) RETURNS TABLE (outcome text, detail integer, available integer, budget jsonb, j job)
LANGUAGE plpgsql AS $$
DECLARE
  v_wallet record;
  v_job job;
  v_cost integer := p_price * p_outputs;
  v_now timestamptz := clock_timestamp();
  -- Rounded up: never before the job's created_at (stored to the millisecond).
  v_now_ms bigint := ceil(extract(epoch FROM v_now) * 1000)::bigint;
  v_slots integer := p_rate_window_s + 1;
  v_slot integer := ((v_now_ms / 1000) % v_slots)::integer + 1;
  v_last_ms bigint[];
  v_counts integer[];
  v_recent integer;
  v_oldest_last_ms bigint;
  v_active integer;
  v_balance integer;
  v_refusal text;
  v_detail integer;
  v_budget_ids bigint[] := '{}';
  v_over jsonb;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT w.balance, u.deleted_at, w.deleted_at AS workspace_deleted_at, m.user_id IS NOT NULL AS member, w.jobs_active_bound,
         w.job_rate_last_ms, w.job_rate_counts
    INTO v_wallet
    FROM workspace w JOIN "user" u ON u.id = p_actor_user_id
      LEFT JOIN workspace_member m ON m.workspace_id = w.id AND m.user_id = p_actor_user_id
    WHERE w.id = p_workspace_id FOR UPDATE OF w;
  IF NOT FOUND OR v_wallet.deleted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::integer, NULL::jsonb, NULL::job;
    RETURN;
  END IF;
  -- A deleted team has no members left either; this says which refusal it is.
  IF v_wallet.workspace_deleted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'NO_WORKSPACE'::text, NULL::integer, NULL::integer, NULL::jsonb, NULL::job;
    RETURN;
  END IF;
  IF NOT v_wallet.member THEN
    RETURN QUERY SELECT 'NOT_MEMBER'::text, NULL::integer, NULL::integer, NULL::jsonb, NULL::job;
    RETURN;
  END IF;
  v_balance := v_wallet.balance;
  IF EXISTS (SELECT 1 FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND expires_at <= v_now)
     OR EXISTS (SELECT 1 FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND opened_at IS NULL
                  AND effective_at <= v_now) THEN
    PERFORM cw_refresh_grants(p_workspace_id);
    SELECT balance INTO v_balance FROM workspace WHERE id = p_workspace_id;
  END IF;
  -- The per-second ring: a second counts until 60 s after its latest creation.
  v_last_ms := v_wallet.job_rate_last_ms;
  v_counts := v_wallet.job_rate_counts;
  IF cardinality(v_last_ms) <> v_slots THEN
    v_last_ms := array_fill(0::bigint, ARRAY[v_slots]);
    v_counts := array_fill(0, ARRAY[v_slots]);
  END IF;
  SELECT COALESCE(sum(c), 0), min(l) INTO v_recent, v_oldest_last_ms
    FROM unnest(v_last_ms, v_counts) AS t(l, c) WHERE c > 0 AND l > v_now_ms - p_rate_window_s * 1000;
  v_active := v_wallet.jobs_active_bound;
  IF v_active >= p_max_active THEN
    SELECT count(*) INTO v_active FROM job WHERE workspace_id = p_workspace_id AND status IN ('PENDING', 'PROCESSING');
  END IF;
  IF v_recent >= p_rate_limit THEN
    v_refusal := 'RATE_LIMITED';
    v_detail := greatest(1, ceil((v_oldest_last_ms + p_rate_window_s * 1000 - v_now_ms) / 1000.0))::integer;
  ELSIF v_active >= p_max_active THEN
    v_refusal := 'MAX_ACTIVE';
    v_detail := v_active;
  ELSIF v_balance < v_cost THEN
    v_refusal := 'INSUFFICIENT';
    v_detail := v_cost - v_balance;
  ELSE
    SELECT r.budget_ids, r.over INTO v_budget_ids, v_over FROM cw_budget_room(p_workspace_id, p_actor_user_id, p_api_key_id, v_cost, v_now) r;
    IF v_over IS NOT NULL THEN
      v_refusal := 'BUDGET_EXCEEDED';
    END IF;
  END IF;
  IF v_refusal IS NULL THEN
    -- created_at is the clock at insert time, taken under the workspace lock.
    INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
                     idempotency_key, request_hash, deadline_at, created_at, updated_at, charge_entry_id,
                     api_key_id, budget_ids)
    VALUES (gen_random_uuid(), p_workspace_id, p_actor_user_id, p_model_id, p_prompt, p_outputs, p_price, v_cost,
            p_idempotency_key, p_request_hash, v_now + make_interval(secs => p_timeout_ms / 1000.0), v_now, v_now,
            nextval('ledger_entry_id_seq'), p_api_key_id, v_budget_ids)
    ON CONFLICT (workspace_id, actor_user_id, idempotency_key) DO NOTHING
    RETURNING * INTO v_job;
    IF FOUND THEN
      IF v_last_ms[v_slot] / 1000 = v_now_ms / 1000 THEN
        v_counts[v_slot] := v_counts[v_slot] + 1;
      ELSE
        v_counts[v_slot] := 1;
      END IF;
      v_last_ms[v_slot] := v_now_ms;
      UPDATE workspace SET jobs_active_bound = v_active + 1, job_rate_last_ms = v_last_ms, job_rate_counts = v_counts
        WHERE id = p_workspace_id;
      PERFORM cw_ledger_post(p_workspace_id, 'CHARGE', -v_cost, v_job.id, 'USER', p_actor_user_id, 'Generation job', NULL,
        p_entry_id := v_job.charge_entry_id);
      IF cardinality(v_job.budget_ids) > 0 THEN
        PERFORM cw_budget_charge(v_job);
      END IF;
      PERFORM cw_enqueue_run_job(v_job.id, p_workspace_id);
      INSERT INTO job_event (job_id, type, worker_id, data, created_at)
      VALUES (v_job.id, 'created', NULL, jsonb_build_object('cost', v_cost, 'outputs', p_outputs), clock_timestamp());
      RETURN QUERY SELECT 'CREATED'::text, NULL::integer, v_balance - v_cost, NULL::jsonb, v_job;
      RETURN;
    END IF;
  END IF;
  -- Refused, or the key exists: the same request is a replay (whatever the
  -- limits say now), another request under the same key is refused.
  SELECT * INTO v_job FROM job
    WHERE workspace_id = p_workspace_id AND actor_user_id = p_actor_user_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_job.request_hash <> p_request_hash THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, NULL::integer, v_balance, NULL::jsonb, NULL::job;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, NULL::integer, v_balance, NULL::jsonb, v_job;
    END IF;
    RETURN;
  END IF;
  IF v_refusal IS NULL THEN
    RAISE EXCEPTION 'key % of member % in workspace % conflicted but no job holds it', p_idempotency_key, p_actor_user_id, p_workspace_id
      USING ERRCODE = 'CW500';
  END IF;
  RETURN QUERY SELECT v_refusal, v_detail, v_balance, v_over, NULL::job;
END $$;
