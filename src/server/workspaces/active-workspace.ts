import "server-only";

import type { Db } from "~/server/db";

/** A member's role in a workspace (SPEC §9), as workspace_member.role stores it. */
export type WorkspaceRole = "OWNER" | "ADMIN" | "MEMBER";

/** A workspace's kind: every user's PERSONAL one, or a TEAM. */
export type WorkspaceKind = "PERSONAL" | "TEAM";

/**
 * The workspace a request acts in: its wallet (`id`, what every money table
 * is keyed by), its kind, and the acting user's role in it.
 */
export type ActiveWorkspace = { id: string; role: WorkspaceRole; kind: WorkspaceKind };

/** Roles from least to most: a role may do what every role before it may. */
const roleRank: Record<WorkspaceRole, number> = { MEMBER: 0, ADMIN: 1, OWNER: 2 };

/** Whether `role` is `least` or above (OWNER ⊃ ADMIN ⊃ MEMBER, SPEC §9). */
export function hasRole(role: WorkspaceRole, least: WorkspaceRole): boolean {
  return roleRank[role] >= roleRank[least];
}

/**
 * A signed-in user's personal workspace, which they own (the trigger
 * user_personal_workspace creates it with the user): where a session acts
 * when it names no other workspace, or one it may no longer act in.
 */
export function personalWorkspaceOf(user: { id: string }): ActiveWorkspace {
  return { id: personalWorkspaceIdOf(user.id), role: "OWNER", kind: "PERSONAL" };
}

/**
 * The workspace a signed-in user acts in: the session's stored one
 * (`session.active_workspace_id`, set by `workspaces.switchTo`) while the
 * user is still a member of it, with their role as it is now; otherwise
 * their personal workspace (a deleted team has no members left, and is
 * refused here too). One indexed read (the membership's primary key, at
 * most two rows). This is the only place the tRPC context, the
 * pages and the route handlers take the workspace from. Web processes
 * cache its answer with the session (src/server/auth/session-cache.ts);
 * every change of a membership or of the session notifies them to forget
 * it (triggers workspace_member_changed, session_changed), so a removed
 * member or a changed role holds from the next request.
 */
export async function resolveActiveWorkspace(client: Db, userId: string, storedWorkspaceId: string | null): Promise<ActiveWorkspace> {
  const personalId = personalWorkspaceIdOf(userId);
  if (!storedWorkspaceId || storedWorkspaceId === personalId) return personalWorkspaceOf({ id: userId });
  const rows = await client.$queryRaw<ActiveWorkspace[]>`
    SELECT m.workspace_id AS id, m.role::text AS role, w.kind::text AS kind
    FROM workspace_member m JOIN workspace w ON w.id = m.workspace_id
    WHERE m.workspace_id = ${storedWorkspaceId} AND m.user_id = ${userId} AND w.deleted_at IS NULL`;
  return rows[0] ?? personalWorkspaceOf({ id: userId });
}

/**
 * Who acts for an API key of `workspaceId`: the workspace, and the member
 * who created the key, with their role in it now (SPEC §8: "a key acts as
 * its user"; decision 0012, step 2: as the member who created it).
 */
export function apiKeyActing(
  workspaceId: string,
  member: { userId: string; role: WorkspaceRole; kind: WorkspaceKind },
): { workspace: ActiveWorkspace; actorUserId: string } {
  return { workspace: { id: workspaceId, role: member.role, kind: member.kind }, actorUserId: member.userId };
}

/**
 * Whose jobs a request sees: a team's MEMBER only their own (SPEC §9: "see
 * own jobs"), so their id; OWNER and ADMIN every job of the workspace, null.
 */
export function ownJobsOf(workspace: ActiveWorkspace, userId: string): string | null {
  return workspace.role === "MEMBER" ? userId : null;
}

/** Who acts, and in which wallet: what a money operation records (job.actor_user_id, the ledger's actor). */
export type Acting = { workspaceId: string; actorUserId: string };

/** The `Acting` of a signed-in request: its workspace, and its user as the actor. */
export function actingOf(ctx: { user: { id: string }; workspace: ActiveWorkspace }): Acting {
  return { workspaceId: ctx.workspace.id, actorUserId: ctx.user.id };
}

/**
 * Decision 0012, step 1: a user's personal workspace has the user's id, and
 * a personal workspace's owner is the user with its id. The code that goes
 * from one to the other (the admin's pages of a user, the audit's target,
 * the actor of a purchase) says so through these two, so that step 2 finds
 * every place that relies on it.
 */
export function personalWorkspaceIdOf(userId: string): string {
  return userId;
}

/** The owner of a personal workspace (see personalWorkspaceIdOf). */
export function personalOwnerIdOf(workspaceId: string): string {
  return workspaceId;
}
