-- job_check_workspace_live: A deleted team takes no job (issue 24). The app
-- refuses first: a deleted team has no members left, so no session or API
-- key acts in it, and cw_create_job refuses an actor who is not a member;
-- this is the second assertion, for a create whose session was read before
-- the deletion committed. workspaces.deleteTeam sets deleted_at under the
-- workspace's row lock, which cw_create_job takes before it inserts, so the
-- row read here is the committed one. One read by key.
--
-- Trigger: job_workspace_live (BEFORE INSERT ON job)
-- Guards: §3.11 (nothing acts in a deleted team's wallet), §3.1 (its books
--   stay as they were left).
-- History: created in 20261207180100_team_deletion_functions.
CREATE OR REPLACE FUNCTION job_check_workspace_live() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM workspace WHERE id = NEW.workspace_id AND deleted_at IS NOT NULL) THEN
    RAISE EXCEPTION 'a deleted team takes no job (workspace %, job_workspace_live)', NEW.workspace_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'job_workspace_live';
  END IF;
  RETURN NEW;
END $$;
