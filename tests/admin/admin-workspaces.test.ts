import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { createJob } from "~/server/jobs/create";
import { money } from "~/server/money";
import { inviteMember } from "~/server/workspaces/invitations";
import { workspaceChangeSentence } from "~/lib/admin-copy";

import { callerFor, createUser, db, jobRequest, testConfig } from "../helpers";
import { addMember, callerIn, grantCredits, makeTeam, makeUser } from "../fixtures/workspaces";

// SPEC §9, issue 24 item 4: accounts, members and budgets are visible and
// searchable in the admin dashboard, and every change of role, budget or
// membership is audited — on the account's admin page.

/** A text no other test of this file puts in a name or an email. */
const unique = () => randomUUID().slice(0, 8);

describe("admin.workspaces: search and pages", () => {
  it("finds a team by part of its name (any case), by exact id, and by part of a member's email; the kind filter narrows", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    const token = unique();
    const team = await makeTeam(`Needle Studio ${token}`);
    await grantCredits(team.id, 70);

    const byName = await admin.workspaces({ query: `needle STUDIO ${token}`.toUpperCase() });
    expect(byName.items).toEqual([{
      id: team.id, name: `Needle Studio ${token}`, kind: "TEAM", balance: 70, createdAt: expect.any(Date), deletedAt: null,
      membersCount: 3, ownerEmails: [team.owner.email],
    }]);
    expect((await admin.workspaces({ query: team.id })).items.map((row) => row.id)).toEqual([team.id]);

    // A member's email: every account they belong to, their personal one included.
    const emailPart = team.member.email.slice(5, 20).toUpperCase();
    expect(new Set((await admin.workspaces({ query: emailPart })).items.map((row) => row.id))).toEqual(new Set([team.id, team.member.id]));
    expect((await admin.workspaces({ query: emailPart, kind: "TEAM" })).items.map((row) => row.id)).toEqual([team.id]);
    const personal = await admin.workspaces({ query: emailPart, kind: "PERSONAL" });
    expect(personal.items).toEqual([expect.objectContaining({ id: team.member.id, kind: "PERSONAL", membersCount: 1, ownerEmails: [team.member.email] })]);

    expect(await admin.workspaces({ query: `nothing-${unique()}` })).toEqual({ items: [], nextCursor: null });
    await expect(admin.workspaces({ kind: "CLUB" as never })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.workspaces({ query: "x".repeat(201) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("pages newest first by cursor, every match once", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    const token = unique();
    const teams = [];
    for (const n of [1, 2, 3]) teams.push(await makeTeam(`Paged ${token} ${n}`));
    const first = await admin.workspaces({ query: `paged ${token}`, limit: 2 });
    expect(first.items.map((row) => row.name)).toEqual([`Paged ${token} 3`, `Paged ${token} 2`]);
    expect(first.nextCursor).toBe(teams[1]!.id);
    const second = await admin.workspaces({ query: `paged ${token}`, limit: 2, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ name: `Paged ${token} 1` })], nextCursor: null });
  });
});

describe("admin.workspace: one account", () => {
  it("shows the wallet, members, pending invitations, budgets with what is spent, recent jobs with the acting member, the ledger, and the audit of a role change and a removal", async () => {
    const adminUser = await createUser({ role: "ADMIN" });
    const admin = callerFor(adminUser).admin;
    const team = await makeTeam(`Audited ${unique()}`);
    const leaver = await makeUser({ name: "Leaving Soon" });
    await addMember(team.id, leaver.id, "MEMBER");
    await grantCredits(team.id, 500);
    const setting = { workspaceId: team.id, actorUserId: team.owner.id, apiKeyId: null, timeZone: "UTC" } as const;
    const account = await money.setBudget(db, { ...setting, scope: "ACCOUNT", period: "MONTH", limitCredits: 100 });
    const memberBudget = await money.setBudget(db, { ...setting, scope: "MEMBER", memberUserId: team.member.id, period: "TOTAL", limitCredits: 10 });
    // The member spends 4 (2 outputs at 2 credits): against the team's budget and their own.
    const { job } = await createJob(db, { workspaceId: team.id, actorUserId: team.member.id }, jobRequest({ outputs: 2 }), testConfig);
    const owner = await callerIn(team.owner, team.id);
    await owner.workspaces.changeRole({ userId: team.admin.id, role: "MEMBER" });
    await owner.workspaces.removeMember({ userId: leaver.id });
    const { invitation } = await inviteMember(db, { workspace: { id: team.id, role: "OWNER", kind: "TEAM" }, actorUserId: team.owner.id }, { email: "invitee@example.test", role: "ADMIN" });

    const detail = await admin.workspace({ id: team.id });
    expect(detail.workspace).toMatchObject({ id: team.id, kind: "TEAM", balance: 496, membersSeeStatement: false });
    expect(detail).toMatchObject({ reserved: 4, activeJobs: 1, membersCount: 3 });
    expect(detail.members.map((m) => [m.email, m.role])).toEqual([
      [team.owner.email, "OWNER"],
      ...[[team.admin.email, "MEMBER"], [team.member.email, "MEMBER"]].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ]);
    expect(detail.invitations).toEqual([{
      id: invitation.id, email: "invitee@example.test", role: "ADMIN", createdAt: expect.any(Date), expiresAt: expect.any(Date),
      invitedBy: { id: team.owner.id, email: team.owner.email },
    }]);
    // Never the token's hash.
    const stored = await db.workspaceInvitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(JSON.stringify(detail)).not.toContain(stored.tokenHash);

    expect(detail.budgets.map((b) => [b.id, b.scope, b.limitCredits, b.spentCredits, b.member?.email ?? null])).toEqual([
      [memberBudget.id.toString(), "MEMBER", 10, 4, team.member.email],
      [account.id.toString(), "ACCOUNT", 100, 4, null],
    ]);
    expect(detail.budgetChanges.map((c) => [c.action, c.actorEmail])).toEqual([["CREATE", team.owner.email], ["CREATE", team.owner.email]]);
    expect(detail.jobs.map((j) => [j.id, j.actor.email])).toEqual([[job.id, team.member.email]]);
    expect(detail.ledger.map((e) => [e.kind, e.amount, e.actorId])).toEqual([["CHARGE", -4, team.member.id], ["GRANT", 500, "test"]]);

    // The audit, newest first, and as the page reads it.
    expect(detail.changes.map((c) => [c.action, c.actorEmail, c.subjectEmail])).toEqual([
      ["INVITED", team.owner.email, null],
      ["MEMBER_REMOVED", team.owner.email, leaver.email],
      ["ROLE_CHANGED", team.owner.email, team.admin.email],
      ["TEAM_CREATED", team.owner.email, team.owner.email],
    ]);
    expect(detail.changes.map(workspaceChangeSentence)).toEqual([
      "invited invitee@example.test as admin",
      `removed ${leaver.email} (was member)`,
      `changed ${team.admin.email}'s role from admin to member`,
      `created the team “${detail.workspace.name}”`,
    ]);
  });

  it("a deleted team stays findable with its books, says when it was deleted, and its audit says so in sentences", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    const team = await makeTeam(`Gone Studio ${unique()}`);
    await grantCredits(team.id, 40);
    const name = (await db.workspace.findUniqueOrThrow({ where: { id: team.id } })).name;
    await (await callerIn(team.member, team.id)).workspaces.leave();
    const { deletedAt } = await (await callerIn(team.owner, team.id)).workspaces.deleteTeam({ name });
    const detail = await admin.workspace({ id: team.id });
    expect(detail.workspace).toMatchObject({ balance: 40, deletedAt });
    expect(detail.members).toEqual([]);
    expect((await admin.workspaces({ query: name })).items.map((row) => [row.id, row.deletedAt])).toEqual([[team.id, deletedAt]]);
    expect(detail.changes.map(workspaceChangeSentence).slice(0, 2)).toEqual([
      `deleted the team “${name}” (40 credits left on its books)`,
      "left the team (was member)",
    ]);
    const sentence = workspaceChangeSentence({
      ...detail.changes[0]!, action: "MEMBER_LEFT", before: { role: "ADMIN" }, after: { reason: "ACCOUNT_DELETED" },
    });
    expect(sentence).toBe("left the team when their account was deleted (was admin)");
  });

  it("a budget's spent figure is this period's, and a refund gives it back", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    await money.setBudget(db, { workspaceId: team.id, actorUserId: team.owner.id, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 50, timeZone: "Europe/Paris" });
    const acting = { workspaceId: team.id, actorUserId: team.owner.id };
    await createJob(db, acting, jobRequest({ outputs: 3 }), testConfig);
    const { job } = await createJob(db, acting, jobRequest({ outputs: 1 }), testConfig);
    expect((await admin.workspace({ id: team.id })).budgets[0]).toMatchObject({ spentCredits: 8, limitCredits: 50, period: "MONTH", removedAt: null });
    await (await callerIn(team.owner, team.id)).jobs.cancel({ id: job.id });
    const [budget] = (await admin.workspace({ id: team.id })).budgets;
    expect(budget).toMatchObject({ spentCredits: 6 });
    expect(budget!.resetsAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it("an unknown id is NOT_FOUND; a team's own owner who is not an admin gets FORBIDDEN", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    await expect(admin.workspace({ id: `no-such-${unique()}` })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.workspace({ id: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    await expect(owner.admin.workspace({ id: team.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(owner.admin.workspaces({ query: team.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("a personal account: its one owner, and the user's admin page lists every account they belong to with their role", async () => {
    const admin = callerFor(await createUser({ role: "ADMIN" })).admin;
    const team = await makeTeam(`Zeta ${unique()}`);
    const personal = await admin.workspace({ id: team.admin.id });
    expect(personal.workspace).toMatchObject({ kind: "PERSONAL" });
    expect(personal.members.map((m) => [m.userId, m.role])).toEqual([[team.admin.id, "OWNER"]]);
    expect(personal.changes).toEqual([]);
    const user = await admin.user({ id: team.admin.id });
    expect(user.workspaces.map((w) => [w.id, w.kind, w.role])).toEqual([[team.admin.id, "PERSONAL", "OWNER"], [team.id, "TEAM", "ADMIN"]]);
  });
});

describe("the audit's sentences", () => {
  const row = { actorUserId: "a", actorEmail: "ann@example.test", subjectUserId: "b", subjectEmail: "bob@example.test", before: null, after: null };
  it("reads each kind of change, and shows one it does not know by its name and snapshots", () => {
    expect(workspaceChangeSentence({ ...row, action: "RENAMED", subjectUserId: null, before: { name: "Old" }, after: { name: "New" } })).toBe("renamed the team from “Old” to “New”");
    expect(workspaceChangeSentence({ ...row, action: "MEMBER_JOINED", subjectUserId: "a", after: { role: "MEMBER" } })).toBe("joined as member");
    expect(workspaceChangeSentence({ ...row, action: "MEMBER_LEFT", subjectUserId: "a", before: { role: "ADMIN" } })).toBe("left the team (was admin)");
    expect(workspaceChangeSentence({ ...row, action: "INVITATION_REVOKED", subjectUserId: null, before: { email: "cy@example.test", role: "MEMBER" } }))
      .toBe("revoked the invitation of cy@example.test (as member)");
    expect(workspaceChangeSentence({ ...row, action: "SETTINGS_CHANGED", subjectUserId: null, after: { membersSeeStatement: true } })).toBe("let members read the team's statement");
    expect(workspaceChangeSentence({ ...row, action: "ROLE_CHANGED", subjectUserId: "a", before: { role: "OWNER" }, after: { role: "ADMIN" } })).toBe("changed their own role from owner to admin");
    expect(workspaceChangeSentence({ ...row, action: "TEAM_DELETED", subjectUserId: null, before: { name: "Acme", balance: 1 } })).toBe("deleted the team “Acme” (1 credit left on its books)");
    // An action this page does not know yet reads as its name and snapshots.
    expect(workspaceChangeSentence({ ...row, action: "TEAM_ARCHIVED", subjectUserId: null, before: { name: "Acme" } })).toBe("team archived: name: Acme");
  });
});
