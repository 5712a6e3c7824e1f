-- Decision 0012, step 2, the tables: teams, roles and invitations. A team is
-- a workspace of kind TEAM; invitations (the token's SHA-256 only, accepted
-- once); workspace_change, the audit of membership, roles and names (SPEC
-- §9); the session's active workspace; a MEMBER budget scope; the member an
-- API key acts as. The functions and triggers follow in the next migration
-- (…_workspace_teams_functions, generated from prisma/sql/functions/).

-- CreateEnum
CREATE TYPE "InvitationRole" AS ENUM ('ADMIN', 'MEMBER');

-- CreateEnum
CREATE TYPE "WorkspaceChangeAction" AS ENUM ('TEAM_CREATED', 'RENAMED', 'INVITED', 'INVITATION_REVOKED', 'MEMBER_JOINED', 'ROLE_CHANGED', 'MEMBER_REMOVED', 'MEMBER_LEFT', 'SETTINGS_CHANGED');

-- AlterEnum
ALTER TYPE "BudgetScope" ADD VALUE 'MEMBER';

-- AlterTable: every existing key belongs to a personal workspace, whose
-- owner (the user with its id) created it.
ALTER TABLE "api_key" ADD COLUMN     "created_by_user_id" TEXT;
UPDATE "api_key" SET created_by_user_id = workspace_id;
ALTER TABLE "api_key" ALTER COLUMN "created_by_user_id" SET NOT NULL;

-- AlterTable
ALTER TABLE "budget" ADD COLUMN     "member_user_id" TEXT;

-- AlterTable
ALTER TABLE "session" ADD COLUMN     "active_workspace_id" TEXT;

-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "members_see_statement" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "workspace_invitation" (
    "id" UUID NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "InvitationRole" NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by_user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "accepted_by_user_id" TEXT,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "workspace_invitation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workspace_change" (
    "id" BIGSERIAL NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "actor_user_id" TEXT NOT NULL,
    "subject_user_id" TEXT,
    "action" "WorkspaceChangeAction" NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_change_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "workspace_invitation_token_hash_key" ON "workspace_invitation"("token_hash");

-- CreateIndex
CREATE INDEX "workspace_invitation_workspace_id_created_at_idx" ON "workspace_invitation"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "workspace_change_workspace_id_id_idx" ON "workspace_change"("workspace_id", "id");

-- CreateIndex
CREATE INDEX "session_active_workspace_id_idx" ON "session"("active_workspace_id");

-- AddForeignKey
ALTER TABLE "session" ADD CONSTRAINT "session_active_workspace_id_fkey" FOREIGN KEY ("active_workspace_id") REFERENCES "workspace"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget" ADD CONSTRAINT "budget_member_user_id_fkey" FOREIGN KEY ("member_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_invitation" ADD CONSTRAINT "workspace_invitation_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_invitation" ADD CONSTRAINT "workspace_invitation_invited_by_user_id_fkey" FOREIGN KEY ("invited_by_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_invitation" ADD CONSTRAINT "workspace_invitation_accepted_by_user_id_fkey" FOREIGN KEY ("accepted_by_user_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspace_change" ADD CONSTRAINT "workspace_change_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- An invitation offers ADMIN or MEMBER to a lower-cased address, and is
-- accepted by someone exactly when it says when.
ALTER TABLE "workspace_invitation"
  ADD CONSTRAINT workspace_invitation_email_lower CHECK (email = lower(email)),
  ADD CONSTRAINT workspace_invitation_accepted_with_acceptor CHECK ((accepted_at IS NULL) = (accepted_by_user_id IS NULL)),
  ADD CONSTRAINT workspace_invitation_not_both CHECK (accepted_at IS NULL OR revoked_at IS NULL);

-- A MEMBER budget names its member, and only it does: the CHECK is in the
-- next migration (a new enum value cannot be used in the transaction that
-- adds it).

-- One live budget per account, scope, key and member (the index
-- cw_budget_room reads on every create: one probe for an account with none).
DROP INDEX budget_one_live;
CREATE UNIQUE INDEX budget_one_live ON "budget" (workspace_id, scope,
  (COALESCE(api_key_id, '00000000-0000-0000-0000-000000000000'::uuid)), (COALESCE(member_user_id, '')))
  WHERE removed_at IS NULL;
