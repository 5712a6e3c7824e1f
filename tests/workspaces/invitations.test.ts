import { describe, expect, it } from "vitest";

import { readOutbox } from "~/server/mail/outbox";
import { hashInvitationToken } from "~/server/workspaces/invitations";

import { db } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { procedureError } from "../fixtures/errors";
import { callerIn, makeTeam, makeUser } from "../fixtures/workspaces";

// SPEC §9: invitations go by mail, expire, are accepted once.

const outboxDir = process.env.MAIL_OUTBOX_DIR!;

/** Invites `email` and returns the token from the link in the mail written to the outbox. */
async function inviteAndReadToken(caller: Awaited<ReturnType<typeof callerIn>>, email: string, role: "ADMIN" | "MEMBER" = "MEMBER") {
  const { invitation } = await caller.workspaces.invite({ email, role });
  const mail = (await readOutbox(outboxDir, 200)).find((m) => m.to === email.toLowerCase());
  expect(mail, `a mail to ${email}`).toBeDefined();
  const link = mail!.links.find((l) => l.includes("/invitations/"));
  expect(link).toMatch(new RegExp(`^${process.env.APP_URL ?? "http://localhost:\\d+"}/invitations/[A-Za-z0-9_-]{43}$`));
  return { invitation, token: link!.split("/invitations/")[1]! };
}

describe("workspaces.invite", () => {
  it("writes the invitation (lower-cased, the token's hash only, 7 days) and its audit row, and mails the link", async () => {
    const team = await makeTeam("Acme");
    const email = `New.Person-${Date.now()}@Example.test`;
    const { invitation, token } = await inviteAndReadToken(await callerIn(team.admin, team.id), email);
    const row = await db.workspaceInvitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.email).toBe(email.toLowerCase());
    expect(row.tokenHash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeCloseTo(7 * 86_400_000, -4);
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "INVITED" } })).toBe(1);
    const mail = (await readOutbox(outboxDir, 200)).find((m) => m.to === email.toLowerCase())!;
    expect(mail.subject).toContain("Acme");
  });

  it("MEMBER may not invite; ADMIN may not invite an admin (FORBIDDEN); OWNER may", async () => {
    const team = await makeTeam();
    expect((await procedureError((await callerIn(team.member, team.id)).workspaces.invite({ email: "a@example.test", role: "MEMBER" }))).appCode).toBe("FORBIDDEN");
    expect((await procedureError((await callerIn(team.admin, team.id)).workspaces.invite({ email: "b@example.test", role: "ADMIN" }))).appCode).toBe("FORBIDDEN");
    await (await callerIn(team.owner, team.id)).workspaces.invite({ email: "c@example.test", role: "ADMIN" });
    expect(await db.workspaceInvitation.count({ where: { workspaceId: team.id } })).toBe(1);
  });

  it("refuses an existing member's address and a personal workspace (VALIDATION_ERROR)", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    expect((await procedureError(owner.workspaces.invite({ email: team.member.email, role: "MEMBER" }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError((await callerIn(team.owner, null)).workspaces.invite({ email: "x@example.test", role: "MEMBER" }))).appCode).toBe("VALIDATION_ERROR");
  });
});

describe("workspaces.acceptInvitation", () => {
  it("joins the team with the invited role, audited; the invitation is spent", async () => {
    const team = await makeTeam();
    const invitee = await makeUser();
    const { token, invitation } = await inviteAndReadToken(await callerIn(team.admin, team.id), invitee.email.toUpperCase());
    const joined = await (await callerIn(invitee, null)).workspaces.acceptInvitation({ token });
    expect(joined).toEqual({ workspaceId: team.id, role: "MEMBER" });
    expect(await db.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId: team.id, userId: invitee.id } } })).toMatchObject({ role: "MEMBER" });
    expect(await db.workspaceInvitation.findUniqueOrThrow({ where: { id: invitation.id } })).toMatchObject({ acceptedByUserId: invitee.id });
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "MEMBER_JOINED", subjectUserId: invitee.id } })).toBe(1);
    const again = await procedureError((await callerIn(invitee, null)).workspaces.acceptInvitation({ token }));
    expect(again.appCode).toBe("VALIDATION_ERROR");
  });

  it("10 concurrent accepts make exactly one membership", async () => {
    const team = await makeTeam();
    const invitee = await makeUser();
    const { token } = await inviteAndReadToken(await callerIn(team.owner, team.id), invitee.email);
    const caller = await callerIn(invitee, null);
    const outcomes = await all(times(10), () => caller.workspaces.acceptInvitation({ token }).then(() => "OK", (e: unknown) => e));
    expect(outcomes.filter((o) => o === "OK")).toHaveLength(1);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id, userId: invitee.id } })).toBe(1);
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "MEMBER_JOINED" } })).toBe(1);
  });

  it("someone else, an unverified address or an unknown token: NOT_FOUND, nothing revealed", async () => {
    const team = await makeTeam();
    const invitee = await makeUser({ verified: false });
    const other = await makeUser();
    const { token } = await inviteAndReadToken(await callerIn(team.owner, team.id), invitee.email);
    for (const [user, t] of [[other, token], [invitee, token], [other, "A".repeat(43)]] as const) {
      const error = await procedureError((await callerIn(user, null)).workspaces.acceptInvitation({ token: t }));
      expect(error.appCode).toBe("NOT_FOUND");
    }
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(3);
  });

  it("expired and revoked invitations are refused with a message saying so", async () => {
    const team = await makeTeam();
    const [late, revoked] = await Promise.all([makeUser(), makeUser()]);
    const owner = await callerIn(team.owner, team.id);
    const expiredOne = await inviteAndReadToken(owner, late.email);
    await db.workspaceInvitation.update({ where: { id: expiredOne.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect((await callerIn(late, null)).workspaces.acceptInvitation({ token: expiredOne.token })).rejects.toThrow(/expired/);

    const revokedOne = await inviteAndReadToken(owner, revoked.email);
    expect((await owner.workspaces.invitations()).map((i) => i.id)).toContain(revokedOne.invitation.id);
    await owner.workspaces.revokeInvitation({ invitationId: revokedOne.invitation.id });
    expect((await owner.workspaces.invitations()).map((i) => i.id)).not.toContain(revokedOne.invitation.id);
    await expect((await callerIn(revoked, null)).workspaces.acceptInvitation({ token: revokedOne.token })).rejects.toThrow(/revoked/);
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "INVITATION_REVOKED" } })).toBe(1);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(3);
  });

  it("revoke: another team's invitation is NOT_FOUND; an admin's invitation only by an owner; MEMBER cannot list", async () => {
    const [team, other] = await Promise.all([makeTeam(), makeTeam()]);
    const { invitation } = await (await callerIn(other.owner, other.id)).workspaces.invite({ email: "z@example.test", role: "ADMIN" });
    const owner = await callerIn(team.owner, team.id);
    expect((await procedureError(owner.workspaces.revokeInvitation({ invitationId: invitation.id }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError((await callerIn(other.admin, other.id)).workspaces.revokeInvitation({ invitationId: invitation.id }))).appCode).toBe("FORBIDDEN");
    expect((await procedureError((await callerIn(team.member, team.id)).workspaces.invitations())).appCode).toBe("FORBIDDEN");
  });
});
