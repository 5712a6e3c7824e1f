import "server-only";

import { sessionCache } from "~/server/auth/session-cache";
import { withTransaction, type Db } from "~/server/db";
import { AppError, assert } from "~/server/errors";
import { logger } from "~/server/logger";
import { money } from "~/server/money";
import { recordWorkspaceChange } from "~/server/workspaces/audit";
import type { MemberActing } from "~/server/workspaces/members";

/** What a deletion leaves behind: when, and the credits that stay on the deleted team's books. */
export type DeletedTeam = { deletedAt: Date; name: string; balance: number };

const wrongName = (name: string) => {
  const message = `Type the team's name, ${name}, exactly to confirm.`;
  return new AppError("VALIDATION_ERROR", message, { fieldErrors: { name: [message] } });
};

const gone = () => new AppError("NOT_FOUND", "This team no longer exists.");

/**
 * Deletes the active team (SPEC §9: an OWNER's to do) while keeping its
 * books, as an account deletion does (src/server/account/delete-account.ts).
 * The workspace row, its ledger, grants and jobs stay — its balance still
 * equals the sum of its ledger, and those credits stay on the deleted
 * team's books, spent by nobody — and `deleted_at` is set. In the same
 * transaction, under the wallet's lock (taken first, as every money
 * transaction does, so a deletion and a job create or credit movement run
 * one after the other): its API keys are revoked, webhook endpoints and
 * events deleted, auto top-up turned off, saved cards removed, pending
 * invitations revoked, and every membership removed — the trigger
 * workspace_member_changed then sends each member's sessions in it back to
 * their personal account and tells every process to forget them — with one
 * TEAM_DELETED audit row.
 *
 * The team's name, typed, confirms the intent. While a job of the team is
 * active the deletion is refused (cancel it or wait), so no settlement ever
 * writes to a deleted team. The database refuses a job (cw_create_job reads
 * the workspace row under its lock) or a member (workspace_member_kind) of a
 * deleted team.
 */
export async function deleteTeam(client: Db, acting: MemberActing, confirmName: string): Promise<DeletedTeam> {
  const { workspace } = acting;
  if (workspace.kind !== "TEAM") {
    throw new AppError("VALIDATION_ERROR", "A personal account is not a team: to close it, delete your account in Account settings.");
  }
  const deleted = await withTransaction(client, { label: "workspaces.deleteTeam" }, async (tx) => {
    const locked = await money.lockAccount(tx, workspace.id);
    const team = await tx.workspace.findUniqueOrThrow({ where: { id: workspace.id }, select: { name: true, deletedAt: true } });
    if (team.deletedAt) throw gone();
    // The role as it is now, under the lock every membership change takes: the session's may be a moment old.
    const self = await tx.workspaceMember.findUnique({
      where: { workspaceId_userId: { workspaceId: workspace.id, userId: acting.actorUserId } }, select: { role: true },
    });
    if (!self) throw gone();
    if (self.role !== "OWNER") throw new AppError("FORBIDDEN", "Only the team's owners may delete it.");
    if (confirmName.trim() !== team.name) throw wrongName(team.name);
    const active = await tx.job.count({ where: { workspaceId: workspace.id, status: { in: ["PENDING", "PROCESSING"] } } });
    if (active > 0) {
      const message = `Cancel the team's ${active === 1 ? "running job" : `${active} running jobs`} or wait for ${active === 1 ? "it" : "them"} to finish first.`;
      throw new AppError("VALIDATION_ERROR", message, { fieldErrors: { _: [message] } });
    }
    const deletedAt = new Date();
    const changed = await tx.workspace.updateMany({ where: { id: workspace.id, kind: "TEAM", deletedAt: null }, data: { deletedAt } });
    // A second, concurrent deletion of the same team finds it deleted.
    if (changed.count === 0) throw gone();
    assert(changed.count === 1, "one workspace row per id");
    await tx.apiKey.updateMany({ where: { workspaceId: workspace.id, revokedAt: null }, data: { revokedAt: deletedAt } });
    await tx.webhookEndpoint.deleteMany({ where: { workspaceId: workspace.id } });
    await tx.webhookEvent.deleteMany({ where: { workspaceId: workspace.id } });
    // A deleted team is never charged again: auto top-up off, saved cards
    // removed (their rows stay for the receipts that name them).
    await tx.autoTopup.updateMany({ where: { workspaceId: workspace.id }, data: { enabled: false, disabledReason: null, updatedAt: deletedAt } });
    await tx.paymentMethod.updateMany({ where: { workspaceId: workspace.id, removedAt: null }, data: { removedAt: deletedAt } });
    await tx.workspaceInvitation.updateMany({
      where: { workspaceId: workspace.id, acceptedAt: null, revokedAt: null }, data: { revokedAt: deletedAt },
    });
    const members = await tx.workspaceMember.findMany({ where: { workspaceId: workspace.id }, select: { userId: true, role: true } });
    await tx.workspaceMember.deleteMany({ where: { workspaceId: workspace.id } });
    await recordWorkspaceChange(tx, {
      workspaceId: workspace.id, actorUserId: acting.actorUserId, action: "TEAM_DELETED",
      before: { name: team.name, balance: locked.balance, members: members.map((m) => ({ userId: m.userId, role: m.role })) },
      after: { deletedAt: deletedAt.toISOString() },
    });
    return { deletedAt, name: team.name, balance: locked.balance, memberIds: members.map((m) => m.userId) };
  });
  // As switchTo and removeMember: this process answers each former member's
  // next request from the database, not from before the trigger's NOTIFY.
  for (const userId of deleted.memberIds) sessionCache.forget(userId);
  logger.info({ workspaceId: workspace.id, actorUserId: acting.actorUserId, members: deleted.memberIds.length, balance: deleted.balance }, "team deleted");
  return { deletedAt: deleted.deletedAt, name: deleted.name, balance: deleted.balance };
}
