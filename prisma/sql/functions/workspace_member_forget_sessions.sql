-- workspace_member_forget_sessions: A member removed from a workspace (or
-- whose role changed) must not act in it with what a web process cached:
-- a removal sets the member's sessions that were active in it back to their
-- personal workspace (active_workspace_id NULL; that UPDATE notifies through
-- session_changed), and every change notifies cw_session_changes with the
-- member's id, so each process forgets their cached sessions and reads the
-- membership again on the next request (src/server/auth/session-cache.ts).
--
-- Trigger: workspace_member_changed (AFTER UPDATE OR DELETE ON workspace_member)
-- Guards: §3.11 (access: a removed member loses the team at once).
-- History: created in 20261207150155_workspace_teams_functions.
CREATE OR REPLACE FUNCTION workspace_member_forget_sessions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE session SET active_workspace_id = NULL
     WHERE user_id = OLD.user_id AND active_workspace_id = OLD.workspace_id;
  END IF;
  PERFORM pg_notify('cw_session_changes', OLD.user_id);
  RETURN NULL;
END $$;
