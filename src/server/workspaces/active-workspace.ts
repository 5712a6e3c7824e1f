import "server-only";

/** A member's role in a workspace (SPEC §9), as workspace_member.role stores it. */
export type WorkspaceRole = "OWNER" | "ADMIN" | "MEMBER";

/**
 * The workspace a request acts in: its wallet (`id`, what every money table
 * is keyed by) and the acting user's role in it.
 */
export type ActiveWorkspace = { id: string; role: WorkspaceRole };

/**
 * The workspace a signed-in user acts in. Decision 0012, step 1: always
 * their personal workspace, whose id is the user's id and which they own
 * (the trigger user_personal_workspace creates it with the user). Step 2
 * reads the session's active workspace here, and checks the membership:
 * this is the only place the tRPC context and the pages take it from.
 */
export function activeWorkspaceOf(user: { id: string }): ActiveWorkspace {
  return { id: user.id, role: "OWNER" };
}

/**
 * Who acts for an API key of `workspaceId`: the workspace, and the member
 * whose request it is. Step 1: a key belongs to a personal workspace, and
 * acts as its owner, whose id is the workspace's (SPEC §8: "a key acts as
 * its user").
 */
export function apiKeyActing(workspaceId: string): { workspace: ActiveWorkspace; actorUserId: string } {
  return { workspace: { id: workspaceId, role: "OWNER" }, actorUserId: workspaceId };
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
