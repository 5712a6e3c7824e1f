-- cw_notify_user_identity_change: Tells the web processes to forget a user's
-- cached sessions when the user's role, name, email or deletion changed. The
-- payload is the user id.
--
-- Trigger: user_identity_changed (AFTER UPDATE OF role, email, name,
--   deleted_at ON "user")
-- Guards: §3.11 (access: a demoted or deleted user loses it at once).
-- History: created in 20261130130000_session_change_notify, never replaced.
CREATE OR REPLACE FUNCTION cw_notify_user_identity_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cw_session_changes', OLD.id);
  RETURN NULL;
END $$;
