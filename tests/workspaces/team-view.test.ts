import { describe, expect, it } from "vitest";

import { readOutbox } from "~/server/mail/outbox";
import { sandboxTestCards } from "~/server/payments/sandbox";

import { db, jobRequest } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { callerIn, grantCredits, makeTeam, makeUser } from "../fixtures/workspaces";

// What the teams UI reads before acting (SPEC §9): the active workspace's
// name and settings, an invitation's typed status for its addressee, and
// who spent each credit of a team's statement.

const outboxDir = process.env.MAIL_OUTBOX_DIR!;

async function invite(team: Awaited<ReturnType<typeof makeTeam>>, email: string) {
  const { invitation } = await (await callerIn(team.owner, team.id)).workspaces.invite({ email, role: "MEMBER" });
  const mail = (await readOutbox(outboxDir, 200)).find((m) => m.to === email.toLowerCase());
  const token = mail!.links.find((l) => l.includes("/invitations/"))!.split("/invitations/")[1]!;
  return { invitation, token };
}

describe("workspaces.activeView", () => {
  it("names the active team with the viewer's role and the statement setting; a personal workspace as PERSONAL", async () => {
    const team = await makeTeam("Acme");
    expect(await (await callerIn(team.member, team.id)).workspaces.activeView()).toEqual({
      id: team.id, kind: "TEAM", name: "Acme", role: "MEMBER", membersSeeStatement: false,
    });
    await (await callerIn(team.owner, team.id)).workspaces.setStatementVisibility({ membersSeeStatement: true });
    expect((await (await callerIn(team.admin, team.id)).workspaces.activeView()).membersSeeStatement).toBe(true);
    expect(await (await callerIn(team.member, null)).workspaces.activeView()).toMatchObject({ id: team.member.id, kind: "PERSONAL", role: "OWNER" });
  });
});

describe("workspaces.invitation", () => {
  it("tells its addressee PENDING, then ALREADY_MEMBER once accepted; anyone else NOT_FOUND", async () => {
    const team = await makeTeam("Acme");
    const invitee = await makeUser();
    const { token } = await invite(team, invitee.email);
    const caller = await callerIn(invitee, null);
    expect(await caller.workspaces.invitation({ token })).toMatchObject({ status: "PENDING", teamName: "Acme", role: "MEMBER", inviterName: team.owner.name });
    const stranger = await callerIn(await makeUser(), null);
    expect((await procedureError(stranger.workspaces.invitation({ token }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError(stranger.workspaces.invitation({ token: "A".repeat(43) }))).appCode).toBe("NOT_FOUND");
    await caller.workspaces.acceptInvitation({ token });
    expect((await caller.workspaces.invitation({ token })).status).toBe("ALREADY_MEMBER");
  });

  it("says EMAIL_NOT_VERIFIED, REVOKED and EXPIRED as typed statuses", async () => {
    const team = await makeTeam();
    const unverified = await makeUser({ verified: false });
    const first = await invite(team, unverified.email);
    expect((await (await callerIn(unverified, null)).workspaces.invitation({ token: first.token })).status).toBe("EMAIL_NOT_VERIFIED");

    const revokedFor = await makeUser();
    const second = await invite(team, revokedFor.email);
    await (await callerIn(team.owner, team.id)).workspaces.revokeInvitation({ invitationId: second.invitation.id });
    expect((await (await callerIn(revokedFor, null)).workspaces.invitation({ token: second.token })).status).toBe("REVOKED");

    const lateFor = await makeUser();
    const third = await invite(team, lateFor.email);
    await db.workspaceInvitation.update({ where: { id: third.invitation.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect((await (await callerIn(lateFor, null)).workspaces.invitation({ token: third.token })).status).toBe("EXPIRED");
  });
});

describe("credits.ledger of a team", () => {
  it("names the member behind each charge (the job's actor) and the granting user nobody for a system grant", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 50);
    await (await callerIn(team.member, team.id)).jobs.create(jobRequest({ outputs: 2 }));
    await (await callerIn(team.admin, team.id)).jobs.create(jobRequest({ outputs: 1 }));
    const { items } = await (await callerIn(team.owner, team.id)).credits.ledger({ limit: 10 });
    expect(items.map((entry) => [entry.kind, entry.amount, entry.by])).toEqual([
      ["CHARGE", -2, team.admin.name],
      ["CHARGE", -4, team.member.name],
      ["GRANT", 50, null],
    ]);
    // What the client receives: the member's id and name, never the raw actor columns.
    expect(Object.keys(items[0]!)).not.toContain("actorId");
    expect(Object.keys(items[0]!)).not.toContain("job");
  });

  it("names the owner who bought a pack as the purchase's By (the checkout records its buyer)", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    const checkout = await owner.checkout.open({ packId: "starter" });
    await owner.checkout.pay({ checkoutId: checkout.id, card: { cardNumber: sandboxTestCards.success, expiry: "12/99", cvc: "123" } });
    const { items } = await owner.credits.ledger({ limit: 10 });
    expect(items.map((entry) => [entry.kind, entry.by])).toEqual([["PURCHASE", team.owner.name]]);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).buyerUserId).toBe(team.owner.id);
    // The receipt is billed to the team and names the buyer.
    const receipt = await owner.checkout.receipt({ id: checkout.id });
    expect([receipt.billedTo, receipt.boughtBy]).toEqual([{ name: "Team", email: null }, { name: team.owner.name, email: team.owner.email }]);
  });
});
