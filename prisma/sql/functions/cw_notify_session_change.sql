-- cw_notify_session_change: Tells the web processes, which cache the sessions
-- they validated (src/server/auth/session-cache.ts), to forget a user's
-- sessions at once when a session row is updated or deleted (sign-out,
-- revocation, a password reset). The payload is the user id.
--
-- Trigger: session_changed (AFTER UPDATE OR DELETE ON session)
-- Guards: §3.11 (access: a revoked session stops working at once).
-- History: created in 20261130130000_session_change_notify, never replaced.
CREATE OR REPLACE FUNCTION cw_notify_session_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cw_session_changes', OLD.user_id);
  RETURN NULL;
END $$;
