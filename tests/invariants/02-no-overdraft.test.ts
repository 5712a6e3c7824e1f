import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { jobsConfigFromEnv } from "~/server/config";
import { createJob } from "~/server/jobs/create";

import { actingAs, accountState, callerFor, createUser, db, expectConserved, jobRequest, testConfig } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { outcomeOf, procedureError, refusedBy } from "../fixtures/errors";
import { money } from "~/server/money";

// SPEC §3.2 No overdraft: balance ≥ 0 at every instant (database CHECK,
// tested last). Sampling the balance while requests race would only test
// that CHECK again; what the code must do is refuse exactly the debits the
// balance cannot pay for, and charge each one it accepts.

const jobCost = 4; // storyteller-v1: 2 credits × 2 outputs

describe("§3.2 no overdraft", () => {
  it("64 concurrent creates with credit for exactly 10 jobs: 10 jobs, balance 0, never negative", async () => {
    const user = await createUser({ balance: 10 * jobCost });
    const outcomes = await all(times(64), () => outcomeOf(createJob(db, actingAs(user.id), jobRequest(), testConfig)));

    const codes = outcomes.map((o) => o.code);
    expect(codes.filter((c) => c === "OK")).toHaveLength(10);
    expect(codes.filter((c) => c === "INSUFFICIENT_CREDITS")).toHaveLength(54);
    expect((await accountState(user.id)).balance).toBe(0);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(10);
    await expectConserved(user.id, expect);
  });

  it("64 concurrent jobs.create through the router (env limits 5 active / 10 per minute) with credit for 3 jobs", async () => {
    expect(jobsConfigFromEnv()).toMatchObject({ maxActiveJobs: 5, rateLimitPerMinute: 10 });
    const user = await createUser({ balance: 3 * jobCost });
    const caller = callerFor(user);
    const settled = await Promise.allSettled(times(64).map(() => caller.jobs.create(jobRequest())));

    const created = settled.filter((r) => r.status === "fulfilled");
    expect(created).toHaveLength(3);
    for (const rejected of settled.filter((r) => r.status === "rejected")) {
      const data = await procedureError(Promise.reject(rejected.reason as Error));
      expect(data.appCode).toBe("INSUFFICIENT_CREDITS");
      expect(data.httpStatus).toBe(402);
      expect(data.requiredCredits).toBe(jobCost);
    }
    expect((await accountState(user.id)).balance).toBe(0);
    await expectConserved(user.id, expect);
  });

  it("the database CHECK refuses a negative balance", async () => {
    const user = await createUser({ balance: 3 });
    const refusal = await refusedBy(db.$executeRaw`UPDATE workspace SET balance = -1 WHERE id = ${user.id}`);
    expect(refusal.state).toBe("23514");
    expect(refusal.message).toContain("workspace_balance_non_negative");
    const viaPrisma = await refusedBy(db.workspace.update({ where: { id: user.id }, data: { balance: { decrement: 4 } } }));
    expect(viaPrisma.message).toContain("workspace_balance_non_negative");
    expect((await accountState(user.id)).balance).toBe(3);
  });

  it("a ledger entry ending below zero is refused by the entry CHECK", async () => {
    const user = await createUser({ balance: 3 });
    // The chain trigger would refuse it first (the user's balance cannot be
    // −1); switch it off inside this transaction so the CHECK itself is tested.
    const refusal = await refusedBy(db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_chain`);
      await tx.$executeRaw`
        INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, actor_type, reason)
        VALUES (${user.id}, 'ADJUSTMENT', -4, 3, -1, 'SYSTEM', 'overdraw')`;
    }));
    expect(refusal.state).toBe("23514");
    expect(refusal.message).toContain("ledger_entry_non_negative");
  });

  it("a deduction larger than the balance is refused, never clamped, and writes nothing", async () => {
    const user = await createUser({ balance: 3 });
    const outcome = await outcomeOf(money.moveCredits(db, {
      workspaceId: user.id, amount: -4, kind: "ADJUSTMENT", actor: { type: "SYSTEM", id: "test" },
      reason: "too much", idempotencyKey: randomUUID(),
    }));
    expect(outcome.code).toBe("INSUFFICIENT_CREDITS");
    const state = await accountState(user.id);
    expect(state.balance).toBe(3);
    expect(state.entries).toHaveLength(1);
  });
});
