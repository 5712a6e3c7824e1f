-- cw_grants_due_at: When the account's next grant falls due (the earliest
-- expiry of an open grant, or effective date of a pending one): the cleanup's
-- account pass brings the grants up to the clock again only when one falls
-- due during the pass.
--
-- Guards: §3.12 (after a sweep no live grant is past its expiry).
-- History: created in 20261201100000_lean_settlement, replaced in
--   20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION cw_grants_due_at(p_workspace_id text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN least(
    (SELECT min(expires_at) FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND expires_at IS NOT NULL),
    (SELECT min(effective_at) FROM credit_grant WHERE workspace_id = p_workspace_id AND closed_at IS NULL AND opened_at IS NULL));
END $$;
