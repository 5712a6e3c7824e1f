import { describe, expect, it } from "vitest";

import type { AppError } from "~/server/errors";
import { cancelJob } from "~/server/jobs/cancel";
import { createJob } from "~/server/jobs/create";
import { money } from "~/server/money";

import { db, expectConserved, jobRequest, testConfig } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { outcomeOf } from "../fixtures/errors";
import { grantCredits, makeTeam, makeUser } from "../fixtures/workspaces";

// SPEC §3.14 for a member's budget (decision 0012, step 2: scope MEMBER,
// counted by cw_budget_room for the acting member, job.actor_user_id): what
// the jobs a member acts in cost never exceeds their budget, even when 50
// requests arrive at once; another member of the same team is not limited
// by it; a refused request charges nothing.
// storyteller-v1 costs 2 credits per output: a 1-output job costs 2.

const oneOutput = { outputs: 1 } as const;

function memberBudget(workspaceId: string, actorUserId: string, memberUserId: string, limitCredits: number) {
  return money.setBudget(db, {
    workspaceId, actorUserId, scope: "MEMBER", apiKeyId: null, memberUserId, period: "MONTH", limitCredits, timeZone: "UTC",
  });
}

describe("§3.14 a member's budget holds under concurrency", () => {
  it("50 concurrent creates by one member against a budget with room for 7 → exactly 7 jobs; another member is not limited", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 1_000);
    const budget = await memberBudget(team.id, team.admin.id, team.member.id, 14);
    const create = (actorUserId: string) => outcomeOf(createJob(db, { workspaceId: team.id, actorUserId }, jobRequest(oneOutput), testConfig));

    const outcomes = await all(times(50), () => create(team.member.id));
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(7);
    const refused = outcomes.filter((o) => o.code === "BUDGET_EXCEEDED");
    expect(refused).toHaveLength(43);
    expect((refused[0] as { error: AppError }).error.details.budget).toMatchObject({
      scope: "MEMBER", memberUserId: team.member.id, limitCredits: 14, spentCredits: 14, remainingCredits: 0,
    });
    expect((refused[0] as { error: AppError }).error.message).toContain("your monthly member budget");

    // The admin of the same team, at the same moment, is not limited by the member's budget.
    const others = await all(times(10), () => create(team.admin.id));
    expect(others.filter((o) => o.code === "OK")).toHaveLength(10);

    expect(await db.job.count({ where: { workspaceId: team.id, actorUserId: team.member.id } })).toBe(7);
    const memberJobs = await db.job.findMany({ where: { workspaceId: team.id, actorUserId: team.member.id }, select: { budgetIds: true } });
    expect(memberJobs.every((job) => job.budgetIds.includes(budget.id))).toBe(true);
    const adminJobs = await db.job.findMany({ where: { workspaceId: team.id, actorUserId: team.admin.id }, select: { budgetIds: true } });
    expect(adminJobs.every((job) => job.budgetIds.length === 0)).toBe(true);
    const spend = await db.budgetSpend.findMany({ where: { budgetId: budget.id } });
    expect(spend.map((row) => row.spent)).toEqual([14]);
    expect(await db.ledgerEntry.count({ where: { workspaceId: team.id, kind: "CHARGE" } })).toBe(17);
    await expectConserved(team.id, expect);
  });

  it("a refund gives the member's budget back; the team's budget and the member's both apply", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 1_000);
    await memberBudget(team.id, team.owner.id, team.member.id, 4);
    const acting = { workspaceId: team.id, actorUserId: team.member.id };
    const first = await createJob(db, acting, jobRequest(oneOutput), testConfig);
    await createJob(db, acting, jobRequest(oneOutput), testConfig);
    expect((await outcomeOf(createJob(db, acting, jobRequest(oneOutput), testConfig))).code).toBe("BUDGET_EXCEEDED");
    await cancelJob(db, acting, first.job.id);
    expect((await outcomeOf(createJob(db, acting, jobRequest(oneOutput), testConfig))).code).toBe("OK");

    await money.setBudget(db, { workspaceId: team.id, actorUserId: team.owner.id, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 8, timeZone: "UTC" });
    const admin = { workspaceId: team.id, actorUserId: team.admin.id };
    const outcomes = await all(times(10), () => outcomeOf(createJob(db, admin, jobRequest(oneOutput), testConfig)));
    // The account's budget started with 0 spent (a new budget): room for 4 jobs of 2, whoever acts.
    expect(outcomes.filter((o) => o.code === "OK")).toHaveLength(4);
    await expectConserved(team.id, expect);
  });

  it("a MEMBER budget names a member of the team: anyone else is NOT_FOUND", async () => {
    const team = await makeTeam();
    const stranger = await makeUser();
    expect((await outcomeOf(memberBudget(team.id, team.owner.id, stranger.id, 10))).code).toBe("NOT_FOUND");
  });
});
