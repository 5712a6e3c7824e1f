import "server-only";

import { randomUUID } from "node:crypto";

import { sessionCache } from "~/server/auth/session-cache";
import { withTransaction, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import { recordWorkspaceChange } from "~/server/workspaces/audit";
import { personalWorkspaceIdOf, type ActiveWorkspace, type WorkspaceKind, type WorkspaceRole } from "~/server/workspaces/active-workspace";

/** Teams one user may own at most: a bound against clutter, not a guarantee. */
export const ownedTeamsMax = 20;

/** A workspace as its member sees it in the switcher. */
export type WorkspaceSummary = { id: string; kind: WorkspaceKind; name: string; role: WorkspaceRole; active: boolean };

/**
 * Creates a TEAM workspace named `name` with its creator as OWNER, and its
 * audit row, in one transaction. The team's wallet starts empty (balance
 * 0, no ledger: §3.1 and §3.2 hold from the first instant).
 */
export async function createTeam(client: Db, userId: string, name: string): Promise<WorkspaceSummary> {
  const owned = await client.workspaceMember.count({ where: { userId, role: "OWNER", workspace: { kind: "TEAM" } } });
  if (owned >= ownedTeamsMax) {
    throw new AppError("VALIDATION_ERROR", `You own ${ownedTeamsMax} teams already.`, {
      fieldErrors: { name: [`At most ${ownedTeamsMax} teams per owner.`] },
    });
  }
  const id = randomUUID();
  await withTransaction(client, { label: "workspaces.createTeam" }, async (tx) => {
    await tx.workspace.create({ data: { id, kind: "TEAM", name } });
    await tx.workspaceMember.create({ data: { workspaceId: id, userId, role: "OWNER" } });
    await recordWorkspaceChange(tx, { workspaceId: id, actorUserId: userId, subjectUserId: userId, action: "TEAM_CREATED", after: { name } });
  });
  logger.info({ workspaceId: id, userId }, "team created");
  return { id, kind: "TEAM", name, role: "OWNER", active: false };
}

/**
 * The user's workspaces: their personal one first, then their teams by
 * name, each with the user's role, and which one `active` is.
 */
export async function listMyWorkspaces(client: Db, userId: string, active: ActiveWorkspace): Promise<WorkspaceSummary[]> {
  const rows = await client.workspaceMember.findMany({
    where: { userId, workspace: { deletedAt: null } },
    select: { role: true, workspace: { select: { id: true, kind: true, name: true } } },
  });
  const personalId = personalWorkspaceIdOf(userId);
  return rows
    .map((row) => ({ ...row.workspace, role: row.role, active: row.workspace.id === active.id }))
    .sort((a, b) => Number(b.id === personalId) - Number(a.id === personalId) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/**
 * Makes `workspaceId` the session's active workspace after checking that
 * the user is a member of it (NOT_FOUND otherwise: another team's id is
 * never confirmed). The session row's UPDATE notifies every web process to
 * forget the cached session (trigger session_changed), so the next request
 * acts in it. The personal workspace is stored as NULL.
 */
export async function switchWorkspace(client: Db, input: { userId: string; sessionId: string | undefined; workspaceId: string }): Promise<WorkspaceSummary> {
  if (!input.sessionId) throw new AppError("UNAUTHORIZED", "Switching needs a signed-in session.");
  const membership = await client.workspaceMember.findUnique({
    where: { workspaceId_userId: { workspaceId: input.workspaceId, userId: input.userId } },
    select: { role: true, workspace: { select: { id: true, kind: true, name: true, deletedAt: true } } },
  });
  if (!membership || membership.workspace.deletedAt) throw new AppError("NOT_FOUND", "No such workspace.");
  const stored = membership.workspace.kind === "PERSONAL" ? null : membership.workspace.id;
  const updated = await client.session.updateMany({ where: { id: input.sessionId, userId: input.userId }, data: { activeWorkspaceId: stored } });
  if (updated.count !== 1) throw new AppError("UNAUTHORIZED");
  // The trigger's NOTIFY reaches this process's cache a moment later; the
  // browser refetches at once after switching, so forget here first.
  sessionCache.forget(input.userId);
  const { deletedAt: _deletedAt, ...summary } = membership.workspace;
  return { ...summary, role: membership.role, active: true };
}

/** Renames a team (OWNER and ADMIN); a personal workspace keeps its name. */
export async function renameTeam(client: Db, acting: { workspace: ActiveWorkspace; actorUserId: string }, name: string): Promise<void> {
  if (acting.workspace.kind !== "TEAM") throw new AppError("VALIDATION_ERROR", "Only a team can be renamed.");
  await withTransaction(client, { label: "workspaces.rename" }, async (tx) => {
    const before = await tx.workspace.findUniqueOrThrow({ where: { id: acting.workspace.id }, select: { name: true } });
    await tx.workspace.update({ where: { id: acting.workspace.id }, data: { name } });
    await recordWorkspaceChange(tx, { workspaceId: acting.workspace.id, actorUserId: acting.actorUserId, action: "RENAMED", before, after: { name } });
  });
}

/** Whether the active workspace's statement (ledger, grants, totals) is readable by its role (SPEC §9). */
export async function canSeeStatement(client: Db, workspace: ActiveWorkspace): Promise<boolean> {
  if (workspace.role !== "MEMBER") return true;
  const row = await client.workspace.findUnique({ where: { id: workspace.id }, select: { membersSeeStatement: true } });
  return row?.membersSeeStatement === true;
}

/** FORBIDDEN unless the role may read the statement (OWNER, ADMIN, or MEMBER where the team allows it). */
export async function assertCanSeeStatement(client: Db, workspace: ActiveWorkspace): Promise<void> {
  if (!(await canSeeStatement(client, workspace))) throw new AppError("FORBIDDEN", "This team's statement is for its owners and admins.");
}

/** Lets the team's members read its statement, or not (OWNER). */
export async function setMembersSeeStatement(client: Db, acting: { workspace: ActiveWorkspace; actorUserId: string }, allowed: boolean): Promise<void> {
  if (acting.workspace.kind !== "TEAM") throw new AppError("VALIDATION_ERROR", "Only a team has members.");
  await withTransaction(client, { label: "workspaces.setMembersSeeStatement" }, async (tx) => {
    await tx.workspace.update({ where: { id: acting.workspace.id }, data: { membersSeeStatement: allowed } });
    await recordWorkspaceChange(tx, {
      workspaceId: acting.workspace.id, actorUserId: acting.actorUserId, action: "SETTINGS_CHANGED",
      after: { membersSeeStatement: allowed },
    });
  });
}
