import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { createContextInner } from "~/server/trpc/procedures";
import { createCaller } from "~/server/trpc/root";
import { resolveActiveWorkspace } from "~/server/workspaces/active-workspace";

import { db } from "../helpers";
import { clientErrorOf, procedureError } from "../fixtures/errors";
import { callerIn, grantCredits, makeTeam } from "../fixtures/workspaces";

// A removal that races a create: the session read says "member", the
// membership is gone by the time the charge is made. The create's own
// transaction reads the membership under the workspace's lock
// (cw_create_job), so the team is never charged for someone who is no
// longer in it, whatever the session (or another process's cache) said.

const request = () => ({ idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "a lighthouse", outputs: 1 });

describe("jobs.create by a member removed after their session was read", () => {
  it("is refused with FORBIDDEN and charges nothing", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    // The session as it was read while the member was still in the team.
    const stale = await resolveActiveWorkspace(db, team.member.id, team.id);
    expect(stale).toMatchObject({ id: team.id, role: "MEMBER" });
    await (await callerIn(team.owner, team.id)).workspaces.removeMember({ userId: team.member.id });
    const member = createCaller(createContextInner({ user: { ...team.member, workspace: stale } }));
    const refused = await member.jobs.create(request()).then(() => null, (error: unknown) => clientErrorOf(error));
    expect([refused?.data.appCode, refused?.message]).toEqual(["FORBIDDEN", "You are no longer a member of this team."]);
    expect(await db.job.count({ where: { workspaceId: team.id } })).toBe(0);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: team.id } })).balance).toBe(100);
  });

  it("races 20 creates against the removal: each job was made before the removal committed, none after", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 1_000);
    const stale = await resolveActiveWorkspace(db, team.member.id, team.id);
    const member = createCaller(createContextInner({ user: { ...team.member, workspace: stale } }));
    const owner = await callerIn(team.owner, team.id);
    const creates = Array.from({ length: 20 }, () => member.jobs.create(request()).then(() => "CREATED", (error: unknown) => clientErrorOf(error).data.appCode));
    await owner.workspaces.removeMember({ userId: team.member.id });
    const removedAt = new Date();
    const outcomes = await Promise.all(creates);
    // Refusals: the removal, or the team's own limits (active jobs, rate) for the ones before it.
    for (const outcome of outcomes) expect(["CREATED", "FORBIDDEN", "MAX_ACTIVE_JOBS", "RATE_LIMIT_EXCEEDED"]).toContain(outcome);
    // After the removal's answer, every create is refused.
    const late = await procedureError(member.jobs.create(request()));
    expect(late.appCode).toBe("FORBIDDEN");
    const jobs = await db.job.findMany({ where: { workspaceId: team.id }, select: { createdAt: true, totalCost: true } });
    expect(jobs.length).toBe(outcomes.filter((outcome) => outcome === "CREATED").length);
    for (const job of jobs) expect(job.createdAt.getTime()).toBeLessThanOrEqual(removedAt.getTime());
    const wallet = await db.workspace.findUniqueOrThrow({ where: { id: team.id } });
    const spent = jobs.reduce((sum, job) => sum + job.totalCost, 0);
    expect(wallet.balance).toBe(1_000 - spent);
  });

  it("a member added back may create again", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    const stale = await resolveActiveWorkspace(db, team.member.id, team.id);
    const owner = await callerIn(team.owner, team.id);
    await owner.workspaces.removeMember({ userId: team.member.id });
    await db.workspaceMember.create({ data: { workspaceId: team.id, userId: team.member.id, role: "MEMBER" } });
    const member = createCaller(createContextInner({ user: { ...team.member, workspace: stale } }));
    const created = await member.jobs.create(request());
    expect(created.job.status).toBe("PENDING");
  });
});
