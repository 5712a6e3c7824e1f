import "server-only";

import { createHash, randomBytes } from "node:crypto";

import { env } from "~/env.js";
import { withTransaction, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { logger } from "~/server/logger";
import type { MailDelivery } from "~/server/mail/delivery";
import { sendMail } from "~/server/mail/send";
import { invitationTtlDays, teamInvitationMail } from "~/server/mail/templates";
import { recordWorkspaceChange } from "~/server/workspaces/audit";
import type { MemberActing } from "~/server/workspaces/members";

/** Random bytes of an invitation token (256 bits, base64url: 43 characters). */
const tokenBytes = 32;
/** Pending invitations a team may have at once: a bound against mail abuse. */
export const pendingInvitationsMax = 50;

export type InvitationRole = "ADMIN" | "MEMBER";

export type InvitationView = { id: string; email: string; role: InvitationRole; createdAt: Date; expiresAt: Date };

/** SHA-256 of a token, hex: the only form the database holds. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The path of an invitation's page; the link mailed is APP_URL followed by it. */
export function invitationPath(token: string): string {
  return `/invitations/${token}`;
}

/**
 * Invites `email` to the active team as `role` (SPEC §9): ADMIN and OWNER
 * may invite members, only an OWNER may invite an admin. The token is
 * random, mailed, and never stored (its hash is); the invitation and its
 * audit row are one transaction, the mail goes after commit. An address
 * that is already a member is a VALIDATION_ERROR.
 */
export async function inviteMember(
  client: Db,
  acting: MemberActing,
  input: { email: string; role: InvitationRole },
  deps: { delivery?: MailDelivery } = {},
): Promise<{ invitation: InvitationView }> {
  const { workspace } = acting;
  if (workspace.kind !== "TEAM") throw new AppError("VALIDATION_ERROR", "Invitations are for teams: create a team first.");
  if (input.role === "ADMIN" && workspace.role !== "OWNER") throw new AppError("FORBIDDEN", "Only an owner may invite an admin.");
  const email = input.email.trim().toLowerCase();
  const token = randomBytes(tokenBytes).toString("base64url");
  const { invitation, teamName, inviterName } = await withTransaction(client, { label: "workspaces.invite" }, async (tx) => {
    const already = await tx.workspaceMember.findFirst({ where: { workspaceId: workspace.id, user: { email } }, select: { userId: true } });
    if (already) throw new AppError("VALIDATION_ERROR", "This address is already a member.", { fieldErrors: { email: ["Already a member."] } });
    const pending = await tx.workspaceInvitation.count({
      where: { workspaceId: workspace.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    });
    if (pending >= pendingInvitationsMax) throw new AppError("VALIDATION_ERROR", `At most ${pendingInvitationsMax} pending invitations: revoke some first.`);
    const created = await tx.workspaceInvitation.create({
      data: {
        workspaceId: workspace.id, email, role: input.role, tokenHash: hashInvitationToken(token), invitedByUserId: acting.actorUserId,
        expiresAt: new Date(Date.now() + invitationTtlDays * 86_400_000),
      },
      select: { id: true, email: true, role: true, createdAt: true, expiresAt: true },
    });
    await recordWorkspaceChange(tx, {
      workspaceId: workspace.id, actorUserId: acting.actorUserId, action: "INVITED", after: { invitationId: created.id, email, role: input.role },
    });
    const team = await tx.workspace.findUniqueOrThrow({ where: { id: workspace.id }, select: { name: true } });
    const inviter = await tx.user.findUniqueOrThrow({ where: { id: acting.actorUserId }, select: { name: true } });
    return { invitation: created, teamName: team.name, inviterName: inviter.name };
  });
  const mail = teamInvitationMail(email, { inviterName, teamName, role: input.role }, `${env.APP_URL}${invitationPath(token)}`);
  // After commit: a failed send leaves the invitation pending (it can be revoked and sent again), never a mail without one.
  await sendMail(mail, deps.delivery).catch((error: unknown) => logger.error({ err: error, invitationId: invitation.id }, "invitation mail failed"));
  logger.info({ workspaceId: workspace.id, invitationId: invitation.id, role: input.role }, "member invited");
  return { invitation };
}

/** The active team's pending invitations (not accepted, revoked or expired), newest first. */
export async function listPendingInvitations(client: Db, acting: MemberActing): Promise<InvitationView[]> {
  return client.workspaceInvitation.findMany({
    where: { workspaceId: acting.workspace.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, email: true, role: true, createdAt: true, expiresAt: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/**
 * Revokes a pending invitation of the active team (ADMIN and OWNER; an
 * ADMIN invitation only by an OWNER). Another team's, or one no longer
 * pending, is NOT_FOUND.
 */
export async function revokeInvitation(client: Db, acting: MemberActing, invitationId: string): Promise<void> {
  await withTransaction(client, { label: "workspaces.revokeInvitation" }, async (tx) => {
    const invitation = await tx.workspaceInvitation.findFirst({
      where: { id: invitationId, workspaceId: acting.workspace.id, acceptedAt: null, revokedAt: null },
      select: { id: true, role: true, email: true },
    });
    if (!invitation) throw new AppError("NOT_FOUND", "No such invitation.");
    if (invitation.role === "ADMIN" && acting.workspace.role !== "OWNER") throw new AppError("FORBIDDEN", "Only an owner may revoke an admin's invitation.");
    await tx.workspaceInvitation.update({ where: { id: invitation.id }, data: { revokedAt: new Date() } });
    await recordWorkspaceChange(tx, {
      workspaceId: acting.workspace.id, actorUserId: acting.actorUserId, action: "INVITATION_REVOKED",
      before: { invitationId: invitation.id, email: invitation.email, role: invitation.role },
    });
  });
}

/**
 * Accepts an invitation by its token: the signed-in user's verified email
 * must be the invitation's, and its team not deleted, otherwise NOT_FOUND
 * (an invitation is never shown to anyone else). Expired, accepted or revoked: VALIDATION_ERROR
 * saying which. Accepted once: the conditional UPDATE (pending and not
 * expired, RETURNING) and the membership's INSERT are one transaction, so
 * concurrent accepts make one membership.
 */
export async function acceptInvitation(client: Db, userId: string, token: string): Promise<{ workspaceId: string; role: InvitationRole }> {
  const tokenHash = hashInvitationToken(token);
  const result = await withTransaction(client, { label: "workspaces.acceptInvitation" }, async (tx) => {
    const invitation = await tx.workspaceInvitation.findUnique({
      where: { tokenHash },
      select: {
        id: true, workspaceId: true, email: true, role: true, acceptedAt: true, revokedAt: true, expiresAt: true,
        workspace: { select: { deletedAt: true } },
      },
    });
    const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true, emailVerified: true, deletedAt: true } });
    // A deleted team's invitations lead nowhere: no such team (not "revoked", though deleteTeam revoked them).
    if (!invitation || invitation.workspace.deletedAt || !user || user.deletedAt || !user.emailVerified || user.email.toLowerCase() !== invitation.email) {
      throw new AppError("NOT_FOUND", "No such invitation.");
    }
    if (invitation.revokedAt) throw new AppError("VALIDATION_ERROR", "This invitation was revoked.");
    if (invitation.acceptedAt) throw new AppError("VALIDATION_ERROR", "This invitation was already accepted.");
    if (invitation.expiresAt.getTime() <= Date.now()) throw new AppError("VALIDATION_ERROR", "This invitation has expired: ask for a new one.");
    const member = await tx.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId: invitation.workspaceId, userId } } });
    if (member) throw new AppError("VALIDATION_ERROR", "You are already a member of this team.");
    const taken = await tx.$queryRaw<{ id: string }[]>`
      UPDATE workspace_invitation SET accepted_at = clock_timestamp(), accepted_by_user_id = ${userId}
      WHERE id = ${invitation.id}::uuid AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > clock_timestamp()
      RETURNING id::text AS id`;
    if (taken.length !== 1) throw new AppError("VALIDATION_ERROR", "This invitation is no longer valid.");
    await tx.workspaceMember.create({ data: { workspaceId: invitation.workspaceId, userId, role: invitation.role } });
    await recordWorkspaceChange(tx, {
      workspaceId: invitation.workspaceId, actorUserId: userId, subjectUserId: userId, action: "MEMBER_JOINED",
      after: { invitationId: invitation.id, role: invitation.role },
    });
    return { workspaceId: invitation.workspaceId, role: invitation.role };
  });
  logger.info({ ...result, userId }, "invitation accepted");
  return result;
}
