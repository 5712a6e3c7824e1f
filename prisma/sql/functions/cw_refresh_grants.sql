-- cw_refresh_grants: Brings one account's grants up to the clock: pending
-- grants that became effective are opened (their credits enter), open grants
-- past their expiry are closed (their rest expires). The caller holds the
-- workspace row lock; under SERIALIZABLE and that lock each grant changes state at
-- most once, whoever runs this (a debit, a refund, the sweep). Returns the
-- grants expired.
--
-- Guards: §3.12 (each grant expires at most once; after a sweep no live grant
--   is past its expiry).
-- History: created in 20261130300100_wallet_grants, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_refresh_grants(p_workspace_id text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  v_now timestamptz := clock_timestamp();
  v_grant credit_grant;
  v_expired integer := 0;
BEGIN
  FOR v_grant IN
    SELECT * FROM (
      SELECT * FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND expires_at <= v_now
      UNION
      SELECT * FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND opened_at IS NULL AND effective_at <= v_now
    ) due
    ORDER BY id
  LOOP
    IF v_grant.opened_at IS NULL AND (v_grant.expires_at IS NULL OR v_grant.expires_at > v_now) THEN
      PERFORM cw_ledger_post(p_workspace_id, v_grant.kind, v_grant.amount, NULL, 'SYSTEM', 'wallet', v_grant.reason, NULL, v_grant.id);
    ELSE
      -- Expired (whether or not it ever became effective).
      PERFORM cw_close_grant(v_grant, 'SYSTEM', 'expiry', 'Expired: ' || v_grant.reason, NULL);
      v_expired := v_expired + 1;
    END IF;
  END LOOP;
  RETURN v_expired;
END $$;
