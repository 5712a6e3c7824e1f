-- user_create_personal_workspace: Every user has a personal workspace whose
-- id is the user's id, with the user as its OWNER (decision 0012), created in
-- the transaction that inserts the user, whatever inserts it: better-auth's
-- sign-up, the admin's creation, the seed, a test's fixture. So no path can
-- make a user without a wallet, and the wallet's key (and its lock stripe,
-- decision 0008) is the id every existing row was already keyed by.
--
-- Trigger: user_personal_workspace (AFTER INSERT ON "user")
-- Guards: §3.1, §3.2 (a wallet starts empty: balance 0, no ledger), §3.11
--   (the user is the only member of their personal workspace).
-- History: created in 20261207144716_workspace_functions.
CREATE OR REPLACE FUNCTION user_create_personal_workspace() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO workspace (id, kind, name, created_at) VALUES (NEW.id, 'PERSONAL', 'Personal', NEW.created_at);
  INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (NEW.id, NEW.id, 'OWNER', NEW.created_at);
  RETURN NULL;
END $$;
