-- workspace_member_check_kind: A PERSONAL workspace has exactly one member,
-- its user (whose id is the workspace's), as OWNER (decision 0012): a second
-- member, or another role, is refused whatever path writes it. The app
-- refuses first (invitations and roles are for teams only); this is the
-- second assertion.
--
-- Trigger: workspace_member_kind (BEFORE INSERT OR UPDATE ON workspace_member)
-- Guards: §3.11 (access: nobody else reaches a personal wallet).
-- History: created in 20261207150155_workspace_teams_functions.
CREATE OR REPLACE FUNCTION workspace_member_check_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM workspace WHERE id = NEW.workspace_id AND kind = 'PERSONAL')
     AND (NEW.user_id <> NEW.workspace_id OR NEW.role <> 'OWNER') THEN
    RAISE EXCEPTION 'a personal workspace has one member, its user, as OWNER (workspace %)', NEW.workspace_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspace_member_personal_alone';
  END IF;
  RETURN NEW;
END $$;
