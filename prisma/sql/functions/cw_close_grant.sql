-- cw_close_grant: Closes one open grant: its rest (if any) written off by one
-- EXPIRE entry, the grant's closing entry (unique index
-- ledger_entry_one_expiry_per_grant); p_void_reason marks an admin's void.
--
-- Guards: §3.12 (each grant expires at most once).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_close_grant(
  p_grant credit_grant, p_actor_type "ActorType", p_actor_id text, p_reason text, p_void_reason text
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_grant.remaining > 0 THEN
    PERFORM cw_ledger_post(p_grant.workspace_id, 'EXPIRE', -p_grant.remaining, NULL, p_actor_type, p_actor_id, p_reason, NULL,
      p_grant.id, ARRAY[p_grant.id], ARRAY[-p_grant.remaining]);
  END IF;
  UPDATE credit_grant SET closed_at = clock_timestamp(),
      voided_at = CASE WHEN p_void_reason IS NULL THEN NULL ELSE clock_timestamp() END,
      void_reason = p_void_reason
    WHERE id = p_grant.id AND closed_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'grant % closed twice', p_grant.id USING ERRCODE = 'CW500';
  END IF;
END $$;
