/**
 * Roles as the browser shows and checks them (SPEC §9): what a role may do
 * decides which links and buttons a page offers. The server checks again
 * (workspaceProcedure), so this only spares people a FORBIDDEN.
 */

export type WorkspaceRole = "OWNER" | "ADMIN" | "MEMBER";

const roleRank: Record<WorkspaceRole, number> = { MEMBER: 0, ADMIN: 1, OWNER: 2 };

/** Whether `role` is `least` or above (OWNER ⊃ ADMIN ⊃ MEMBER). */
export function roleAtLeast(role: WorkspaceRole | undefined, least: WorkspaceRole): boolean {
  return role !== undefined && roleRank[role] >= roleRank[least];
}

/** "Owner", "Admin", "Member". */
export const roleLabel: Record<WorkspaceRole, string> = { OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member" };

/** What each role may do, in a sentence (the role select's help and the invitation page). */
export const roleHelp: Record<WorkspaceRole, string> = {
  OWNER: "Billing, members and everything else.",
  ADMIN: "Members, API keys, budgets and webhooks.",
  MEMBER: "Generates within the budget and sees their own jobs.",
};

/** The name the UI gives a workspace: "Personal account" or the team's name. */
export function workspaceName(workspace: { kind: "PERSONAL" | "TEAM"; name: string }): string {
  return workspace.kind === "PERSONAL" ? "Personal account" : workspace.name;
}
