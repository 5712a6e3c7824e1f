-- Today's triggers of the `public` schema, as the migrations created them
-- (or last replaced them), grouped by table. For reading: a
-- migration changes a trigger, then this file follows. The test
-- tests/ops/sql-function-files.test.ts drops every trigger in a rolled-back
-- transaction, runs this file and compares pg_get_triggerdef before and after.
-- The functions they run are in functions/<name>.sql.
--
-- PostgreSQL fires the triggers of one table, timing and event in the order
-- of their names (ledger_entry's AFTER INSERT: ledger_entry_auto_topup, then
-- ledger_entry_webhook_event, per row; then ledger_entry_chain, once per
-- statement). Constraint triggers run at COMMIT.

-- "user" -------------------------------------------------------------------

-- Decision 0012: every user's personal workspace (id = the user's id, the user
-- its OWNER), in the transaction that inserts the user (20261207144716_workspace_functions).
CREATE TRIGGER user_personal_workspace AFTER INSERT ON "user"
  FOR EACH ROW EXECUTE FUNCTION user_create_personal_workspace();

-- §3.11: cached sessions are forgotten when the identity changes (20261130130000_session_change_notify).
CREATE TRIGGER user_identity_changed AFTER UPDATE OF role, email, name, deleted_at ON "user"
  FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.email IS DISTINCT FROM NEW.email
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION cw_notify_user_identity_change();

-- workspace ----------------------------------------------------------------

-- §3.1, §3.12: at COMMIT, a changed balance is where the ledger ends and what
-- the open grants hold (20261125000200_balance_matches_ledger, on "user"
-- until 20261207144716_workspace_functions).
CREATE CONSTRAINT TRIGGER workspace_balance_matches_ledger
  AFTER UPDATE OF balance ON workspace
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.balance IS DISTINCT FROM NEW.balance)
  EXECUTE FUNCTION workspace_balance_matches_ledger();

-- §3.1: only the ledger's trigger moves ledger_tail (20261130120000_money_functions,
-- on "user" until 20261207144716_workspace_functions).
CREATE TRIGGER workspace_ledger_tail_guard BEFORE UPDATE OF ledger_tail ON workspace
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION workspace_ledger_tail_refuse_change();

-- workspace_member ---------------------------------------------------------

-- Decision 0012: a personal workspace has one member, its user, as OWNER
-- (20261207150155_workspace_teams_functions).
CREATE TRIGGER workspace_member_kind BEFORE INSERT OR UPDATE ON workspace_member
  FOR EACH ROW EXECUTE FUNCTION workspace_member_check_kind();

-- SPEC §9: at COMMIT, a team whose owner was demoted or removed still has an
-- owner (20261207150155_workspace_teams_functions).
CREATE CONSTRAINT TRIGGER workspace_member_keep_owner
  AFTER UPDATE OR DELETE ON workspace_member
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (OLD.role = 'OWNER')
  EXECUTE FUNCTION workspace_member_check_owner();

-- §3.11: a removed member's sessions fall back to their personal workspace,
-- and cached sessions are forgotten (20261207150155_workspace_teams_functions).
CREATE TRIGGER workspace_member_changed AFTER UPDATE OR DELETE ON workspace_member
  FOR EACH ROW EXECUTE FUNCTION workspace_member_forget_sessions();

-- ledger_entry -------------------------------------------------------------

-- §3.1: each entry starts where the last ended, once per INSERT statement, so
-- that a set of entries chains too (20261125000100_invariants, made a
-- statement trigger in 20261207060000_cleanup_settles_a_set).
CREATE TRIGGER ledger_entry_chain AFTER INSERT ON ledger_entry
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_check_chain();

-- §3.10: append-only (20261125000100_invariants).
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_refuse_change();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON ledger_entry
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_refuse_change();

-- §3.13: purchase.completed and credits.low into the outbox (20261130500000_webhooks).
CREATE TRIGGER ledger_entry_webhook_event AFTER INSERT ON ledger_entry
  FOR EACH ROW
  WHEN (NEW.kind = 'PURCHASE' OR NEW.amount < 0)
  EXECUTE FUNCTION ledger_entry_emit_webhook_event();

-- SPEC §7: one auto top-up per threshold crossing of a spending debit
-- (20261130600000_wallet_payments).
CREATE TRIGGER ledger_entry_auto_topup AFTER INSERT ON ledger_entry
  FOR EACH ROW WHEN (NEW.amount < 0 AND NEW.kind IN ('CHARGE', 'ADJUSTMENT')) EXECUTE FUNCTION cw_auto_topup_on_debit();

-- credit_grant -------------------------------------------------------------

-- §3.12: remaining is kept by the draws (20261130300100_wallet_grants).
CREATE TRIGGER credit_grant_remaining_guard BEFORE UPDATE OF remaining, amount, workspace_id ON credit_grant
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION credit_grant_refuse_remaining_change();

-- §3.12: at COMMIT, a grant added or closed by hand still adds up (20261130300100_wallet_grants).
CREATE CONSTRAINT TRIGGER credit_grant_matches_balance
  AFTER INSERT OR UPDATE OF closed_at ON credit_grant
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION credit_grant_matches_balance();

-- credit_draw --------------------------------------------------------------

-- §3.10, §3.12: draws are append-only (20261130300100_wallet_grants).
CREATE TRIGGER credit_draw_append_only BEFORE UPDATE OR DELETE ON credit_draw
  FOR EACH ROW EXECUTE FUNCTION credit_draw_refuse_change();
CREATE TRIGGER credit_draw_no_truncate BEFORE TRUNCATE ON credit_draw
  FOR EACH STATEMENT EXECUTE FUNCTION credit_draw_refuse_change();

-- §3.12: the draws move their grants' remaining, once per grant and INSERT
-- statement (20261130300100_wallet_grants, made a statement trigger in
-- 20261207060000_cleanup_settles_a_set).
CREATE TRIGGER credit_draw_apply AFTER INSERT ON credit_draw
  REFERENCING NEW TABLE AS new_draws
  FOR EACH STATEMENT EXECUTE FUNCTION credit_draw_apply();

-- job ----------------------------------------------------------------------

-- §3.5: terminal states are final (20261125000100_invariants).
CREATE TRIGGER job_transition BEFORE UPDATE ON job
  FOR EACH ROW EXECUTE FUNCTION job_check_transition();

-- §3.13: job.completed | job.failed | job.cancelled into the outbox (20261130500000_webhooks).
CREATE TRIGGER job_webhook_event AFTER UPDATE OF status ON job
  FOR EACH ROW
  WHEN (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION job_emit_webhook_event();

-- job_output ---------------------------------------------------------------

-- §3.9: outputs are written once (20261125000100_invariants).
CREATE TRIGGER job_output_write_once BEFORE UPDATE OR DELETE ON job_output
  FOR EACH ROW EXECUTE FUNCTION job_output_refuse_change();

-- session ------------------------------------------------------------------

-- §3.11: cached sessions are forgotten at once (20261130130000_session_change_notify).
CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON session
  FOR EACH ROW EXECUTE FUNCTION cw_notify_session_change();
