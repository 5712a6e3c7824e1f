import { describe, expect, it } from "vitest";

import { getSessionUser } from "~/server/auth/auth";
import { sessionCache } from "~/server/auth/session-cache";

import { db } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { signedUpUser } from "../fixtures/sessions";
import { addMember, callerIn, makeSession, makeTeam, makeUser } from "../fixtures/workspaces";
import { waitUntil } from "../webhooks/support";

// Decision 0012, step 2: teams, the switcher, and the session's active
// workspace (SPEC §9: "the active account is part of the session").

describe("workspaces.createTeam and listMine", () => {
  it("creates a TEAM with its creator as OWNER, audited, listed after the personal workspace", async () => {
    const user = await makeUser();
    const caller = await callerIn(user, null);
    const zeta = await caller.workspaces.createTeam({ name: "Zeta" });
    const alpha = await caller.workspaces.createTeam({ name: "Alpha" });
    expect(zeta).toMatchObject({ kind: "TEAM", name: "Zeta", role: "OWNER" });
    const mine = await caller.workspaces.listMine();
    expect(mine.map((w) => [w.kind, w.name, w.role, w.active])).toEqual([
      ["PERSONAL", "Personal", "OWNER", true],
      ["TEAM", "Alpha", "OWNER", false],
      ["TEAM", "Zeta", "OWNER", false],
    ]);
    const team = await db.workspace.findUniqueOrThrow({ where: { id: alpha.id }, select: { kind: true, balance: true } });
    expect(team).toEqual({ kind: "TEAM", balance: 0 });
    const audit = await db.workspaceChange.findMany({ where: { workspaceId: alpha.id } });
    expect(audit.map((row) => [row.action, row.actorUserId])).toEqual([["TEAM_CREATED", user.id]]);
  });

  it("refuses an empty name (VALIDATION_ERROR) and an anonymous caller (UNAUTHORIZED)", async () => {
    const user = await makeUser();
    expect((await procedureError((await callerIn(user, null)).workspaces.createTeam({ name: "  " }))).appCode).toBe("VALIDATION_ERROR");
    const { createCaller } = await import("~/server/trpc/root");
    const { createContextInner } = await import("~/server/trpc/procedures");
    const anonymous = createCaller(createContextInner({ user: null }));
    expect((await procedureError(anonymous.workspaces.createTeam({ name: "T" }))).appCode).toBe("UNAUTHORIZED");
  });
});

describe("workspaces.switchTo", () => {
  it("stores a team the user belongs to on the session; the personal one as NULL", async () => {
    const team = await makeTeam();
    const sessionId = await makeSession(team.member);
    const caller = await callerIn(team.member, null, sessionId);
    expect(await caller.workspaces.switchTo({ workspaceId: team.id })).toMatchObject({ id: team.id, role: "MEMBER", active: true });
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).activeWorkspaceId).toBe(team.id);
    await caller.workspaces.switchTo({ workspaceId: team.member.id });
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).activeWorkspaceId).toBeNull();
  });

  it("answers NOT_FOUND for another team and for another user's personal workspace, and stores nothing", async () => {
    const team = await makeTeam();
    const stranger = await makeUser();
    const sessionId = await makeSession(stranger);
    const caller = await callerIn(stranger, null, sessionId);
    expect((await procedureError(caller.workspaces.switchTo({ workspaceId: team.id }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError(caller.workspaces.switchTo({ workspaceId: team.owner.id }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError(caller.workspaces.switchTo({ workspaceId: "no-such-workspace" }))).appCode).toBe("NOT_FOUND");
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).activeWorkspaceId).toBeNull();
  });

  it("refuses a context with no session to switch (UNAUTHORIZED)", async () => {
    const team = await makeTeam();
    const caller = await callerIn(team.member, null);
    expect((await procedureError(caller.workspaces.switchTo({ workspaceId: team.id }))).appCode).toBe("UNAUTHORIZED");
  });
});

describe("the session's active workspace (getSessionUser, the one place it is read)", () => {
  it("follows switchTo at once, and falls back to the personal workspace when the membership is removed, cached or not", async () => {
    await sessionCache.ready();
    const owner = await makeUser();
    const { user, cookie } = await signedUpUser({ email: `sw-${Date.now()}@example.test`, password: "a-long-password", name: "Sw" });
    const { createTeam } = await import("~/server/workspaces/teams");
    const team = await createTeam(db, owner.id, "Shared");
    await addMember(team.id, user.id, "ADMIN");
    const headers = new Headers({ cookie });

    const first = await getSessionUser(headers);
    expect(first?.workspace).toEqual({ id: user.id, role: "OWNER", kind: "PERSONAL" });
    // switchTo writes the session row and forgets this process's cached entry
    // itself: the very next request acts in the team (the browser refetches at
    // once), without waiting for the trigger's NOTIFY (which other processes get).
    const caller = await callerIn(user, null, first!.sessionId);
    await caller.workspaces.switchTo({ workspaceId: team.id });
    expect((await getSessionUser(headers))?.workspace).toEqual({ id: team.id, role: "ADMIN", kind: "TEAM" });

    // A role change is seen on the next request (the cached entry is forgotten).
    await db.workspaceMember.update({ where: { workspaceId_userId: { workspaceId: team.id, userId: user.id } }, data: { role: "MEMBER" } });
    await waitUntil("the role change", 5_000, async () => (await getSessionUser(headers))?.workspace.role === "MEMBER");

    // Removed: the session acts in the personal workspace again, and its stored team is cleared.
    await db.workspaceMember.delete({ where: { workspaceId_userId: { workspaceId: team.id, userId: user.id } } });
    await waitUntil("the fallback", 5_000, async () => (await getSessionUser(headers))?.workspace.id === user.id);
    expect((await db.session.findUniqueOrThrow({ where: { id: first!.sessionId } })).activeWorkspaceId).toBeNull();
  });

  it("falls back to the personal workspace when the stored one names a workspace the user is not in", async () => {
    const team = await makeTeam();
    const stranger = await makeUser();
    const { resolveActiveWorkspace } = await import("~/server/workspaces/active-workspace");
    expect(await resolveActiveWorkspace(db, stranger.id, team.id)).toEqual({ id: stranger.id, role: "OWNER", kind: "PERSONAL" });
    expect(await resolveActiveWorkspace(db, team.admin.id, team.id)).toEqual({ id: team.id, role: "ADMIN", kind: "TEAM" });
  });
});

describe("the database's own rules about members", () => {
  it("refuses a second member of a PERSONAL workspace, and another role for its user", async () => {
    const [user, other] = await Promise.all([makeUser(), makeUser()]);
    await expect(addMember(user.id, other.id, "MEMBER")).rejects.toThrow(/personal workspace has one member/);
    await expect(
      db.workspaceMember.update({ where: { workspaceId_userId: { workspaceId: user.id, userId: user.id } }, data: { role: "ADMIN" } }),
    ).rejects.toThrow(/personal workspace has one member/);
  });

  it("refuses, at COMMIT, a team left without an OWNER (demoted or deleted)", async () => {
    const team = await makeTeam();
    const key = { workspaceId_userId: { workspaceId: team.id, userId: team.owner.id } };
    await expect(db.workspaceMember.delete({ where: key })).rejects.toThrow(/a team needs an owner/);
    await expect(db.workspaceMember.update({ where: key, data: { role: "ADMIN" } })).rejects.toThrow(/a team needs an owner/);
    // With a second owner first, in the same transaction, it is fine.
    await db.$transaction([
      db.workspaceMember.update({ where: { workspaceId_userId: { workspaceId: team.id, userId: team.admin.id } }, data: { role: "OWNER" } }),
      db.workspaceMember.delete({ where: key }),
    ]);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id, role: "OWNER" } })).toBe(1);
  });
});
