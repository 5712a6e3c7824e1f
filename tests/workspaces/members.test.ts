import { describe, expect, it } from "vitest";

import { db } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { callerIn, makeTeam, makeUser } from "../fixtures/workspaces";

// SPEC §9 roles over members: OWNER manages everyone; ADMIN manages members
// and admins, never owners; anyone may leave, except the last owner.

const roleOf = async (workspaceId: string, userId: string) =>
  (await db.workspaceMember.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } }))?.role ?? null;

describe("workspaces.members", () => {
  it("lists the team's members, owners first, to every member", async () => {
    const team = await makeTeam();
    const members = await (await callerIn(team.member, team.id)).workspaces.members();
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      [team.owner.id, "OWNER"],
      [team.admin.id, "ADMIN"],
      [team.member.id, "MEMBER"],
    ]);
  });
});

describe("workspaces.changeRole", () => {
  it("OWNER may make anyone anything, audited with before and after", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    await owner.workspaces.changeRole({ userId: team.member.id, role: "OWNER" });
    expect(await roleOf(team.id, team.member.id)).toBe("OWNER");
    await owner.workspaces.changeRole({ userId: team.admin.id, role: "MEMBER" });
    expect(await roleOf(team.id, team.admin.id)).toBe("MEMBER");
    const audit = await db.workspaceChange.findMany({ where: { workspaceId: team.id, action: "ROLE_CHANGED" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.subjectUserId, a.before, a.after])).toEqual([
      [team.member.id, { role: "MEMBER" }, { role: "OWNER" }],
      [team.admin.id, { role: "ADMIN" }, { role: "MEMBER" }],
    ]);
  });

  it("ADMIN may move a non-owner between MEMBER and ADMIN, but not touch an owner nor make one (FORBIDDEN)", async () => {
    const team = await makeTeam();
    const admin = await callerIn(team.admin, team.id);
    await admin.workspaces.changeRole({ userId: team.member.id, role: "ADMIN" });
    expect(await roleOf(team.id, team.member.id)).toBe("ADMIN");
    await admin.workspaces.changeRole({ userId: team.member.id, role: "MEMBER" });
    expect((await procedureError(admin.workspaces.changeRole({ userId: team.member.id, role: "OWNER" }))).appCode).toBe("FORBIDDEN");
    expect((await procedureError(admin.workspaces.changeRole({ userId: team.owner.id, role: "MEMBER" }))).appCode).toBe("FORBIDDEN");
    expect(await roleOf(team.id, team.owner.id)).toBe("OWNER");
  });

  it("MEMBER may not change roles (FORBIDDEN); a stranger's user id is NOT_FOUND", async () => {
    const team = await makeTeam();
    const stranger = await makeUser();
    const member = await callerIn(team.member, team.id);
    expect((await procedureError(member.workspaces.changeRole({ userId: team.member.id, role: "ADMIN" }))).appCode).toBe("FORBIDDEN");
    const owner = await callerIn(team.owner, team.id);
    expect((await procedureError(owner.workspaces.changeRole({ userId: stranger.id, role: "ADMIN" }))).appCode).toBe("NOT_FOUND");
  });

  it("the last owner cannot step down (VALIDATION_ERROR naming the rule)", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    await expect(owner.workspaces.changeRole({ userId: team.owner.id, role: "ADMIN" })).rejects.toThrow(
      "A team needs an owner: make someone else owner before you step down.",
    );
    expect((await procedureError(owner.workspaces.changeRole({ userId: team.owner.id, role: "MEMBER" }))).appCode).toBe("VALIDATION_ERROR");
    expect(await roleOf(team.id, team.owner.id)).toBe("OWNER");
  });

  it("an owner steps down to admin while another owner remains (audited); their next request acts as an admin", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    await owner.workspaces.changeRole({ userId: team.admin.id, role: "OWNER" });
    const view = await owner.workspaces.changeRole({ userId: team.owner.id, role: "ADMIN" });
    expect(view).toMatchObject({ userId: team.owner.id, role: "ADMIN" });
    expect((await (await callerIn(team.owner, team.id)).workspaces.active()).role).toBe("ADMIN");
    const audit = await db.workspaceChange.findFirstOrThrow({ where: { workspaceId: team.id, subjectUserId: team.owner.id, action: "ROLE_CHANGED" } });
    expect([audit.actorUserId, audit.before, audit.after]).toEqual([team.owner.id, { role: "OWNER" }, { role: "ADMIN" }]);
    // Now an admin, they may not step back up themselves.
    expect((await procedureError((await callerIn(team.owner, team.id)).workspaces.changeRole({ userId: team.owner.id, role: "OWNER" }))).appCode).toBe("FORBIDDEN");
  });

  it("two owners stepping down at once leave one owner", async () => {
    const team = await makeTeam();
    await (await callerIn(team.owner, team.id)).workspaces.changeRole({ userId: team.admin.id, role: "OWNER" });
    const [a, b] = [await callerIn(team.owner, team.id), await callerIn(team.admin, team.id)];
    const outcomes = await Promise.allSettled([
      a.workspaces.changeRole({ userId: team.owner.id, role: "ADMIN" }),
      b.workspaces.changeRole({ userId: team.admin.id, role: "ADMIN" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id, role: "OWNER" } })).toBe(1);
  });
});

describe("workspaces.removeMember", () => {
  it("ADMIN removes a member (audited); the removed member's caller falls back to their personal workspace", async () => {
    const team = await makeTeam();
    await (await callerIn(team.admin, team.id)).workspaces.removeMember({ userId: team.member.id });
    expect(await roleOf(team.id, team.member.id)).toBeNull();
    const audit = await db.workspaceChange.findFirstOrThrow({ where: { workspaceId: team.id, action: "MEMBER_REMOVED" } });
    expect([audit.actorUserId, audit.subjectUserId, audit.before]).toEqual([team.admin.id, team.member.id, { role: "MEMBER" }]);
    const after = await callerIn(team.member, team.id);
    expect((await after.workspaces.listMine()).find((w) => w.active)?.id).toBe(team.member.id);
  });

  it("ADMIN cannot remove an owner (FORBIDDEN); OWNER can remove another owner but not the last", async () => {
    const team = await makeTeam();
    expect((await procedureError((await callerIn(team.admin, team.id)).workspaces.removeMember({ userId: team.owner.id }))).appCode).toBe("FORBIDDEN");
    const owner = await callerIn(team.owner, team.id);
    await owner.workspaces.changeRole({ userId: team.admin.id, role: "OWNER" });
    await owner.workspaces.removeMember({ userId: team.admin.id });
    expect(await roleOf(team.id, team.admin.id)).toBeNull();
  });

  it("MEMBER cannot remove anyone (FORBIDDEN); removing yourself is Leave (VALIDATION_ERROR); a non-member is NOT_FOUND", async () => {
    const team = await makeTeam();
    const stranger = await makeUser();
    expect((await procedureError((await callerIn(team.member, team.id)).workspaces.removeMember({ userId: team.admin.id }))).appCode).toBe("FORBIDDEN");
    const owner = await callerIn(team.owner, team.id);
    expect((await procedureError(owner.workspaces.removeMember({ userId: team.owner.id }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(owner.workspaces.removeMember({ userId: stranger.id }))).appCode).toBe("NOT_FOUND");
  });

  it("a personal workspace has no members to manage (VALIDATION_ERROR)", async () => {
    const user = await makeUser();
    const other = await makeUser();
    expect((await procedureError((await callerIn(user, null)).workspaces.removeMember({ userId: other.id }))).appCode).toBe("VALIDATION_ERROR");
  });
});

describe("workspaces.leave", () => {
  it("a member and an admin leave (audited MEMBER_LEFT)", async () => {
    const team = await makeTeam();
    await (await callerIn(team.member, team.id)).workspaces.leave();
    await (await callerIn(team.admin, team.id)).workspaces.leave();
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(1);
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "MEMBER_LEFT" } })).toBe(2);
  });

  it("the last owner cannot leave: VALIDATION_ERROR with the message, and nothing changes", async () => {
    const team = await makeTeam();
    const owner = await callerIn(team.owner, team.id);
    const error = procedureError(owner.workspaces.leave());
    expect((await error).appCode).toBe("VALIDATION_ERROR");
    await expect(owner.workspaces.leave()).rejects.toThrow("A team needs an owner: make someone else owner before you leave.");
    expect(await roleOf(team.id, team.owner.id)).toBe("OWNER");
  });

  it("one of two owners may leave; two owners leaving at once leave one owner behind", async () => {
    const team = await makeTeam();
    await (await callerIn(team.owner, team.id)).workspaces.changeRole({ userId: team.admin.id, role: "OWNER" });
    const [a, b] = [await callerIn(team.owner, team.id), await callerIn(team.admin, team.id)];
    const outcomes = await Promise.allSettled([a.workspaces.leave(), b.workspaces.leave()]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id, role: "OWNER" } })).toBe(1);
  });
});
