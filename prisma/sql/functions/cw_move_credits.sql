-- cw_move_credits: Grants, purchases and adjustments outside jobs, once per
-- (user, key). Credits in become a grant (p_category, p_priority,
-- p_effective_at, p_expires_at; NULL: the defaults), opened now or when
-- effective. outcome: POSTED | SCHEDULED (a grant effective later: no entry
-- yet) | REPLAYED | KEY_REUSED | INSUFFICIENT | NOT_POSITIVE | EXPIRY_PAST |
-- NO_USER.
--
-- Guards: §3.6 (admin grants take an idempotency key), §3.2 (a debit is
--   refused, never clamped), §3.12.
-- History: created in 20261130120000_money_functions, replaced in
--   20261130300100_wallet_grants, 20261207144716_workspace_functions: this is the text of
--   the last.
CREATE OR REPLACE FUNCTION cw_move_credits(
  p_workspace_id text, p_kind "LedgerKind", p_amount integer,
  p_actor_type "ActorType", p_actor_id text, p_reason text, p_idempotency_key text,
  p_category "GrantCategory" DEFAULT NULL, p_priority integer DEFAULT NULL,
  p_effective_at timestamptz DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL
) RETURNS TABLE (outcome text, available integer, entry ledger_entry, grant_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_balance integer;
  v_existing ledger_entry;
  v_grant credit_grant;
  v_now timestamptz := clock_timestamp();
  v_category "GrantCategory";
  v_effective_at timestamptz;
BEGIN
  PERFORM cw_assert_serializable();
  PERFORM 1 FROM workspace WHERE id = p_workspace_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NO_USER'::text, NULL::integer, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  PERFORM cw_refresh_grants(p_workspace_id);
  SELECT balance INTO v_balance FROM workspace WHERE id = p_workspace_id;
  SELECT * INTO v_grant FROM credit_grant WHERE workspace_id = p_workspace_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_grant.kind <> p_kind OR v_grant.amount <> p_amount THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, v_balance, l, v_grant.id FROM (SELECT 1) one
        LEFT JOIN ledger_entry l ON l.id = v_grant.opened_by;
    END IF;
    RETURN;
  END IF;
  SELECT * INTO v_existing FROM ledger_entry WHERE workspace_id = p_workspace_id AND idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF v_existing.kind <> p_kind OR v_existing.amount <> p_amount THEN
      RETURN QUERY SELECT 'KEY_REUSED'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    ELSE
      RETURN QUERY SELECT 'REPLAYED'::text, v_balance, v_existing, v_existing.grant_id;
    END IF;
    RETURN;
  END IF;
  IF p_kind <> 'ADJUSTMENT' AND p_amount <= 0 THEN
    RETURN QUERY SELECT 'NOT_POSITIVE'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  IF p_amount < 0 THEN
    IF v_balance + p_amount < 0 THEN
      RETURN QUERY SELECT 'INSUFFICIENT'::text, v_balance, NULL::ledger_entry, NULL::bigint;
      RETURN;
    END IF;
    RETURN QUERY SELECT 'POSTED'::text, v_balance + p_amount,
      cw_ledger_post(p_workspace_id, p_kind, p_amount, NULL, p_actor_type, p_actor_id, p_reason, p_idempotency_key), NULL::bigint;
    RETURN;
  END IF;
  v_effective_at := greatest(COALESCE(p_effective_at, v_now), v_now);
  IF p_expires_at IS NOT NULL AND p_expires_at <= v_effective_at THEN
    RETURN QUERY SELECT 'EXPIRY_PAST'::text, v_balance, NULL::ledger_entry, NULL::bigint;
    RETURN;
  END IF;
  v_category := COALESCE(p_category, CASE WHEN p_kind = 'GRANT' THEN 'PROMOTIONAL'::"GrantCategory" ELSE 'PAID' END);
  INSERT INTO credit_grant (workspace_id, category, priority, amount, effective_at, expires_at, kind, reason, idempotency_key, created_at)
  VALUES (p_workspace_id, v_category, COALESCE(p_priority, cw_default_priority(v_category)), p_amount, v_effective_at,
          p_expires_at, p_kind, p_reason, p_idempotency_key, v_now)
  RETURNING * INTO v_grant;
  IF v_effective_at > v_now THEN
    RETURN QUERY SELECT 'SCHEDULED'::text, v_balance, NULL::ledger_entry, v_grant.id;
    RETURN;
  END IF;
  RETURN QUERY SELECT 'POSTED'::text, v_balance + p_amount,
    cw_ledger_post(p_workspace_id, p_kind, p_amount, NULL, p_actor_type, p_actor_id, p_reason, p_idempotency_key, v_grant.id),
    v_grant.id;
END $$;
