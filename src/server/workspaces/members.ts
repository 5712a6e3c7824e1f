import "server-only";

import { sessionCache } from "~/server/auth/session-cache";
import { withTransaction, type Db, type Tx } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { recordWorkspaceChange } from "~/server/workspaces/audit";
import { type ActiveWorkspace, type WorkspaceRole } from "~/server/workspaces/active-workspace";

/** Who acts on a team's members: the active workspace (with the actor's role in it) and the actor. */
export type MemberActing = { workspace: ActiveWorkspace; actorUserId: string };

export type MemberView = { userId: string; name: string; email: string; role: WorkspaceRole; joinedAt: Date };

/** The message of the one refusal the app and the database (trigger workspace_member_keep_owner) share. */
export const lastOwnerMessage = "A team needs an owner: make someone else owner before you leave.";

function teamOnly(workspace: ActiveWorkspace): void {
  if (workspace.kind !== "TEAM") throw new AppError("VALIDATION_ERROR", "A personal account has no other members: create a team first.");
}

/**
 * Locks the team's row, then reads `userId`'s membership: every change of a
 * membership takes this lock first (as does the trigger that keeps an
 * owner), so changes of one team's members run one after the other. A
 * member of another workspace, or no member, is NOT_FOUND.
 */
async function lockedMembership(tx: Tx, workspaceId: string, userId: string): Promise<{ role: WorkspaceRole }> {
  await tx.$queryRaw`SELECT 1 FROM workspace WHERE id = ${workspaceId} FOR UPDATE`;
  const member = await tx.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, select: { role: true } });
  if (!member) throw new AppError("NOT_FOUND", "No such member.");
  return member;
}

async function ownersOf(tx: Tx, workspaceId: string): Promise<number> {
  return tx.workspaceMember.count({ where: { workspaceId, role: "OWNER" } });
}

/** The active workspace's members, owners first, then by name. */
export async function listMembers(client: Db, workspace: ActiveWorkspace): Promise<MemberView[]> {
  const rows = await client.workspaceMember.findMany({
    where: { workspaceId: workspace.id },
    select: { userId: true, role: true, createdAt: true, user: { select: { name: true, email: true } } },
  });
  const rank: Record<WorkspaceRole, number> = { OWNER: 0, ADMIN: 1, MEMBER: 2 };
  return rows
    .map((row) => ({ userId: row.userId, name: row.user.name, email: row.user.email, role: row.role, joinedAt: row.createdAt }))
    .sort((a, b) => rank[a.role] - rank[b.role] || a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/**
 * Changes a member's role (SPEC §9): an OWNER may give any role to anyone,
 * themselves included while another owner remains; an ADMIN may move a
 * non-owner between MEMBER and ADMIN only. The last owner cannot be
 * demoted (VALIDATION_ERROR; the deferred trigger refuses it too).
 */
export async function changeRole(client: Db, acting: MemberActing, input: { userId: string; role: WorkspaceRole }): Promise<MemberView> {
  teamOnly(acting.workspace);
  const workspaceId = acting.workspace.id;
  await withTransaction(client, { label: "workspaces.changeRole" }, async (tx) => {
    const member = await lockedMembership(tx, workspaceId, input.userId);
    if (acting.workspace.role !== "OWNER" && (member.role === "OWNER" || input.role === "OWNER")) {
      throw new AppError("FORBIDDEN", "Only an owner may change an owner's role or make someone owner.");
    }
    if (member.role === input.role) return;
    if (member.role === "OWNER" && (await ownersOf(tx, workspaceId)) <= 1) throw new AppError("VALIDATION_ERROR", lastOwnerMessage);
    await tx.workspaceMember.update({ where: { workspaceId_userId: { workspaceId, userId: input.userId } }, data: { role: input.role } });
    await recordWorkspaceChange(tx, {
      workspaceId, actorUserId: acting.actorUserId, subjectUserId: input.userId, action: "ROLE_CHANGED",
      before: { role: member.role }, after: { role: input.role },
    });
  });
  logger.info({ workspaceId, actorUserId: acting.actorUserId, userId: input.userId, role: input.role }, "member role changed");
  const [view] = (await listMembers(client, acting.workspace)).filter((m) => m.userId === input.userId);
  if (!view) throw new AppError("NOT_FOUND", "No such member.");
  return view;
}

/**
 * Removes a member (ADMIN and OWNER); only an OWNER may remove an owner,
 * and never the last one. Their sessions in the team fall back to their
 * personal workspace and their API keys of the team stop (the membership
 * is gone: trigger workspace_member_changed, authenticateApiKey).
 */
export async function removeMember(client: Db, acting: MemberActing, userId: string): Promise<void> {
  teamOnly(acting.workspace);
  if (userId === acting.actorUserId) throw new AppError("VALIDATION_ERROR", "To leave the team, use Leave.");
  const workspaceId = acting.workspace.id;
  await withTransaction(client, { label: "workspaces.removeMember" }, async (tx) => {
    const member = await lockedMembership(tx, workspaceId, userId);
    if (member.role === "OWNER" && acting.workspace.role !== "OWNER") throw new AppError("FORBIDDEN", "Only an owner may remove an owner.");
    if (member.role === "OWNER" && (await ownersOf(tx, workspaceId)) <= 1) throw new AppError("VALIDATION_ERROR", lastOwnerMessage);
    await tx.workspaceMember.delete({ where: { workspaceId_userId: { workspaceId, userId } } });
    await recordWorkspaceChange(tx, {
      workspaceId, actorUserId: acting.actorUserId, subjectUserId: userId, action: "MEMBER_REMOVED", before: { role: member.role },
    });
  });
  sessionCache.forget(userId);
  logger.info({ workspaceId, actorUserId: acting.actorUserId, userId }, "member removed");
}

/** Leaves the active team (any role); the last owner cannot (VALIDATION_ERROR, and the trigger). */
export async function leaveTeam(client: Db, acting: MemberActing): Promise<void> {
  teamOnly(acting.workspace);
  const workspaceId = acting.workspace.id;
  const userId = acting.actorUserId;
  await withTransaction(client, { label: "workspaces.leave" }, async (tx) => {
    const member = await lockedMembership(tx, workspaceId, userId);
    if (member.role === "OWNER" && (await ownersOf(tx, workspaceId)) <= 1) throw new AppError("VALIDATION_ERROR", lastOwnerMessage);
    await tx.workspaceMember.delete({ where: { workspaceId_userId: { workspaceId, userId } } });
    await recordWorkspaceChange(tx, { workspaceId, actorUserId: userId, subjectUserId: userId, action: "MEMBER_LEFT", before: { role: member.role } });
  });
  // As switchTo: this process answers the leaver's next request from the database, not from before the NOTIFY.
  sessionCache.forget(userId);
  logger.info({ workspaceId, userId }, "member left");
}
