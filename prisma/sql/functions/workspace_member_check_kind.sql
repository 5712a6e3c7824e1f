-- workspace_member_check_kind: A PERSONAL workspace has exactly one member,
-- its user (whose id is the workspace's), as OWNER (decision 0012): a second
-- member, or another role, is refused whatever path writes it. A deleted
-- team takes no member (issue 24: an old invitation accepted after the
-- deletion). The app refuses first (invitations and roles are for teams
-- only; acceptInvitation answers NOT_FOUND for a deleted team); this is the
-- second assertion.
--
-- Trigger: workspace_member_kind (BEFORE INSERT OR UPDATE ON workspace_member)
-- Guards: §3.11 (access: nobody else reaches a personal wallet, nobody a deleted team's).
-- History: created in 20261207150155_workspace_teams_functions, replaced in
--   20261207180100_team_deletion_functions (a deleted team takes no member).
CREATE OR REPLACE FUNCTION workspace_member_check_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_workspace record;
BEGIN
  SELECT kind, deleted_at INTO v_workspace FROM workspace WHERE id = NEW.workspace_id;
  IF v_workspace.kind = 'PERSONAL' AND (NEW.user_id <> NEW.workspace_id OR NEW.role <> 'OWNER') THEN
    RAISE EXCEPTION 'a personal workspace has one member, its user, as OWNER (workspace %)', NEW.workspace_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspace_member_personal_alone';
  END IF;
  IF v_workspace.deleted_at IS NOT NULL THEN
    RAISE EXCEPTION 'a deleted team has no members (workspace %)', NEW.workspace_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspace_member_workspace_live';
  END IF;
  RETURN NEW;
END $$;
