-- workspace_member_check_owner: At COMMIT of a transaction that demoted or
-- removed an OWNER, the TEAM workspace still has an OWNER (SPEC §9: the last
-- owner cannot leave). The workspace row is locked first, as the app's
-- membership changes do (src/server/workspaces/members.ts), so two owners
-- leaving at once are checked one after the other, each seeing the other's
-- committed change. A deleted workspace (cascade) has nothing to check, nor
-- has a deleted team (workspaces.deleteTeam removes every member with it).
--
-- Trigger: workspace_member_keep_owner (AFTER UPDATE OR DELETE ON
--   workspace_member, deferred, for a row whose old role was OWNER)
-- Guards: §3.11 (a team always has someone who may manage its billing and members).
-- History: created in 20261207150155_workspace_teams_functions, replaced in
--   20261207180100_team_deletion_functions (a deleted team is exempt).
CREATE OR REPLACE FUNCTION workspace_member_check_owner() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM workspace WHERE id = OLD.workspace_id AND kind = 'TEAM' AND deleted_at IS NULL FOR UPDATE;
  IF FOUND AND NOT EXISTS (SELECT 1 FROM workspace_member WHERE workspace_id = OLD.workspace_id AND role = 'OWNER') THEN
    RAISE EXCEPTION 'a team needs an owner (workspace %)', OLD.workspace_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspace_member_team_has_owner';
  END IF;
  RETURN NULL;
END $$;
