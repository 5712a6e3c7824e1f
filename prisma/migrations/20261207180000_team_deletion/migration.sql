-- Issue 24: deleting a team. A deleted team keeps its row (its ledger, jobs
-- and grants reference it, and its balance must still equal the sum of its
-- ledger) with deleted_at set; workspaces.deleteTeam removes its members,
-- keys, endpoints, cards and invitations in the same transaction and writes
-- a TEAM_DELETED audit row. The triggers that know about it follow in the
-- next migration (20261207180100_team_deletion_functions). A personal
-- workspace goes with its user (user.deleted_at), never this way: a CHECK
-- says so.

-- AlterEnum
ALTER TYPE "WorkspaceChangeAction" ADD VALUE 'TEAM_DELETED';

-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "deleted_at" TIMESTAMPTZ(3);

ALTER TABLE "workspace" ADD CONSTRAINT "workspace_deleted_is_team" CHECK (deleted_at IS NULL OR kind = 'TEAM');
