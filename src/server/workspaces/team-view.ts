import "server-only";

import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { hashInvitationToken, type InvitationRole } from "~/server/workspaces/invitations";
import type { ActiveWorkspace, WorkspaceKind, WorkspaceRole } from "~/server/workspaces/active-workspace";

/**
 * What the browser reads about a team and an invitation before acting on
 * them (the team page, the invitation page). Reads only; the changes are
 * teams.ts, members.ts and invitations.ts.
 */

/** The active workspace as its pages show it: name, kind, the viewer's role and the statement switch. */
export type ActiveWorkspaceView = {
  id: string;
  kind: WorkspaceKind;
  name: string;
  role: WorkspaceRole;
  membersSeeStatement: boolean;
};

/** The active workspace's name and settings, read through its id only. */
export async function activeWorkspaceView(client: Db, workspace: ActiveWorkspace): Promise<ActiveWorkspaceView> {
  const row = await client.workspace.findUnique({ where: { id: workspace.id }, select: { name: true, membersSeeStatement: true, deletedAt: true } });
  // The session's workspace was resolved from a membership of this request: the row exists (deleted since: no such workspace).
  if (!row || row.deletedAt) throw new AppError("NOT_FOUND", "No such workspace.");
  return { id: workspace.id, kind: workspace.kind, role: workspace.role, name: row.name, membersSeeStatement: row.membersSeeStatement };
}

/**
 * Where an invitation stands for the user who opens its link. Typed, so
 * the page says which without reading a message: PENDING (it can be
 * accepted), EXPIRED, ACCEPTED, REVOKED, ALREADY_MEMBER, or
 * EMAIL_NOT_VERIFIED (it is theirs, but acceptInvitation wants a verified
 * address first).
 */
export type InvitationStatus = "PENDING" | "EXPIRED" | "ACCEPTED" | "REVOKED" | "ALREADY_MEMBER" | "EMAIL_NOT_VERIFIED";

export type InvitationPreview = { status: InvitationStatus; teamName: string; role: InvitationRole; inviterName: string; expiresAt: Date };

/**
 * An invitation as its addressee sees it. Anyone else (another address, a
 * deleted account, no such token, a deleted team) gets NOT_FOUND, as acceptInvitation
 * answers them: an invitation is never shown to someone it was not sent to.
 */
export async function previewInvitation(client: Db, userId: string, token: string): Promise<InvitationPreview> {
  const invitation = await client.workspaceInvitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    select: {
      workspaceId: true, email: true, role: true, acceptedAt: true, revokedAt: true, expiresAt: true,
      workspace: { select: { name: true, deletedAt: true } }, invitedBy: { select: { name: true } },
    },
  });
  const user = await client.user.findUnique({ where: { id: userId }, select: { email: true, emailVerified: true, deletedAt: true } });
  if (!invitation || invitation.workspace.deletedAt || !user || user.deletedAt || user.email.toLowerCase() !== invitation.email) {
    throw new AppError("NOT_FOUND", "No such invitation.");
  }
  const member = await client.workspaceMember.findUnique({
    where: { workspaceId_userId: { workspaceId: invitation.workspaceId, userId } },
    select: { role: true },
  });
  const status: InvitationStatus = invitation.revokedAt
    ? "REVOKED"
    : invitation.acceptedAt
      ? member ? "ALREADY_MEMBER" : "ACCEPTED"
      : member
        ? "ALREADY_MEMBER"
        : invitation.expiresAt.getTime() <= Date.now()
          ? "EXPIRED"
          : !user.emailVerified
            ? "EMAIL_NOT_VERIFIED"
            : "PENDING";
  return {
    status,
    teamName: invitation.workspace.name,
    role: invitation.role,
    inviterName: invitation.invitedBy.name,
    expiresAt: invitation.expiresAt,
  };
}
