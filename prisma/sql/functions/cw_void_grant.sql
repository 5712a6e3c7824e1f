-- cw_void_grant: An admin's void (SPEC §7): the grant's rest leaves the
-- account in one EXPIRE entry with the admin as actor; a pending grant is
-- closed before it brings anything. outcome: VOIDED | ALREADY_VOIDED |
-- EXPIRED | NOT_FOUND.
--
-- Guards: §3.12 (each grant expires at most once).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_void_grant(p_grant_id bigint, p_admin_id text, p_reason text)
RETURNS TABLE (outcome text, voided integer, workspace_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_workspace_id text;
  v_grant credit_grant;
BEGIN
  PERFORM cw_assert_serializable();
  SELECT g.workspace_id INTO v_workspace_id FROM credit_grant g WHERE g.id = p_grant_id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NOT_FOUND'::text, 0, NULL::text;
    RETURN;
  END IF;
  PERFORM 1 FROM workspace WHERE id = v_workspace_id FOR UPDATE;
  PERFORM cw_refresh_grants(v_workspace_id);
  SELECT * INTO v_grant FROM credit_grant WHERE id = p_grant_id;
  IF v_grant.voided_at IS NOT NULL THEN
    RETURN QUERY SELECT 'ALREADY_VOIDED'::text, 0, v_workspace_id;
  ELSIF v_grant.closed_at IS NOT NULL THEN
    RETURN QUERY SELECT 'EXPIRED'::text, 0, v_workspace_id;
  ELSE
    PERFORM cw_close_grant(v_grant, 'ADMIN', p_admin_id, 'Voided: ' || p_reason, p_reason);
    RETURN QUERY SELECT 'VOIDED'::text, v_grant.remaining, v_workspace_id;
  END IF;
END $$;
