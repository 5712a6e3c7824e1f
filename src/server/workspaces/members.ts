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
/** The same refusal, to an owner who would step down to admin or member. */
export const lastOwnerStepDownMessage = "A team needs an owner: make someone else owner before you step down.";

/** "A", "A and B", "A, B and C". */
function listOf(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** Why an account cannot be deleted while it is the last owner of `teams` (by name). */
export function lastOwnerOfTeamsMessage(teams: string[]): string {
  const them = teams.length === 1 ? "the team" : "the teams";
  return `You are the last owner of ${listOf(teams)}: make another member owner, or delete ${them}, first.`;
}

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
    if (member.role === "OWNER" && (await ownersOf(tx, workspaceId)) <= 1) {
      throw new AppError("VALIDATION_ERROR", input.userId === acting.actorUserId ? lastOwnerStepDownMessage : lastOwnerMessage);
    }
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

/**
 * Takes a user out of every team they belong to, in the caller's
 * transaction: what an account deletion does (src/server/account/delete-account.ts).
 * The teams' rows are locked first, in id order (as every membership change
 * locks its team's row), so an owner leaving or deleting a team at the same
 * time is seen. Refused (VALIDATION_ERROR naming the teams, under
 * `fieldErrors.teams`) while the user is the last OWNER of any team that is
 * not deleted: its members, or its credits, would be left with nobody to
 * manage them — the database refuses it too (workspace_member_keep_owner).
 * Each removal is audited (MEMBER_LEFT, `after.reason` ACCOUNT_DELETED).
 * Returns the ids of the teams left.
 */
export async function leaveEveryTeam(tx: Tx, userId: string): Promise<string[]> {
  const teams = await tx.$queryRaw<{ id: string; name: string; role: WorkspaceRole }[]>`
    SELECT w.id, w.name, m.role::text AS role
    FROM workspace_member m JOIN workspace w ON w.id = m.workspace_id
    WHERE m.user_id = ${userId} AND w.kind = 'TEAM' AND w.deleted_at IS NULL
    ORDER BY w.id
    FOR UPDATE OF w`;
  const lastOwnerOf: string[] = [];
  for (const team of teams) {
    if (team.role === "OWNER" && (await ownersOf(tx, team.id)) <= 1) lastOwnerOf.push(team.name);
  }
  if (lastOwnerOf.length > 0) {
    const message = lastOwnerOfTeamsMessage(lastOwnerOf.sort((a, b) => a.localeCompare(b)));
    throw new AppError("VALIDATION_ERROR", message, { fieldErrors: { teams: [message] } });
  }
  for (const team of teams) {
    await tx.workspaceMember.delete({ where: { workspaceId_userId: { workspaceId: team.id, userId } } });
    await recordWorkspaceChange(tx, {
      workspaceId: team.id, actorUserId: userId, subjectUserId: userId, action: "MEMBER_LEFT",
      before: { role: team.role }, after: { reason: "ACCOUNT_DELETED" },
    });
  }
  return teams.map((team) => team.id);
}

/**
 * The teams (not deleted) of which `userId` is the only OWNER, by name: what
 * blocks their account's deletion (leaveEveryTeam refuses them, under the
 * teams' locks; this read lets the account page say so beforehand).
 */
export async function teamsLastOwnedBy(client: Db, userId: string): Promise<string[]> {
  const rows = await client.$queryRaw<{ name: string }[]>`
    SELECT w.name
    FROM workspace_member m JOIN workspace w ON w.id = m.workspace_id
    WHERE m.user_id = ${userId} AND m.role = 'OWNER' AND w.kind = 'TEAM' AND w.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM workspace_member o WHERE o.workspace_id = m.workspace_id AND o.role = 'OWNER' AND o.user_id <> m.user_id)
    ORDER BY w.name`;
  return rows.map((row) => row.name);
}
