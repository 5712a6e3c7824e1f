-- The web processes keep the sessions they validated in memory
-- (src/server/auth/session-cache.ts); these triggers tell them at once when
-- one must be forgotten: a session row updated or deleted (sign-out,
-- revocation, a password reset), or the user's role, name, email or
-- deletion changed. The payload is the user id.
CREATE FUNCTION cw_notify_session_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cw_session_changes', OLD.user_id);
  RETURN NULL;
END $$;

CREATE FUNCTION cw_notify_user_identity_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cw_session_changes', OLD.id);
  RETURN NULL;
END $$;

CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON session
  FOR EACH ROW EXECUTE FUNCTION cw_notify_session_change();

CREATE TRIGGER user_identity_changed AFTER UPDATE OF role, email, name, deleted_at ON "user"
  FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.email IS DISTINCT FROM NEW.email
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION cw_notify_user_identity_change();
