import { z } from "zod";

/**
 * Input schemas of the workspaces procedures (teams, members, invitations:
 * SPEC §9, decision 0012 step 2). Zod only: safe to import from the client.
 */

export const workspaceRoles = ["OWNER", "ADMIN", "MEMBER"] as const;
export const invitationRoles = ["ADMIN", "MEMBER"] as const;

/** A team's name: what the switcher and the mails show. */
export const teamName = z.string().trim().min(1, "Give the team a name.").max(80, "At most 80 characters.");

/** A workspace id: a user's id (personal) or a UUID (team); never more than 64 characters. */
export const workspaceId = z.string().min(1, "Not a workspace.").max(64, "Not a workspace.");

/** A member's user id. */
export const memberUserId = z.string().min(1, "Not a member.").max(64, "Not a member.");

export const createTeamInput = z.object({ name: teamName });
export const renameTeamInput = z.object({ name: teamName });
export const switchWorkspaceInput = z.object({ workspaceId });
export const changeRoleInput = z.object({ userId: memberUserId, role: z.enum(workspaceRoles, { error: "Choose a role." }) });
export const removeMemberInput = z.object({ userId: memberUserId });
export const inviteInput = z.object({
  email: z.email({ error: "Enter an email address." }).max(254, "At most 254 characters."),
  role: z.enum(invitationRoles, { error: "Choose admin or member." }),
});
export const invitationIdInput = z.object({ invitationId: z.uuid({ error: "Not an invitation." }) });
/** A token as mailed: 43 base64url characters (the length is checked so nothing else is hashed). */
export const invitationTokenInput = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "Not an invitation link.") });
export const statementVisibilityInput = z.object({ membersSeeStatement: z.boolean() });
/** Deleting a team is confirmed by typing its name (compared, trimmed, with the stored one by the server). */
export const deleteTeamInput = z.object({ name: z.string().trim().min(1, "Type the team's name to confirm.").max(200, "That is not the team's name.") });
