import { describe, expect, it } from "vitest";

import { accountState, createUser, db, expectConserved } from "../helpers";
import { all, times } from "../fixtures/concurrency";
import { outcomeOf, refusedBy } from "../fixtures/errors";
import { createTestJob } from "../fixtures/jobs";
import { writeRawEntry } from "../fixtures/raw-ledger";

// SPEC §3.3 One charge per job: a job exists iff exactly one CHARGE exists
// for it (unique index; same transaction).

describe("§3.3 one charge per job", () => {
  it("under concurrent creates (some refused), every job has exactly one CHARGE of its cost and every CHARGE has its job", async () => {
    const user = await createUser({ balance: 50 });
    const outcomes = await all(times(30), (i) =>
      outcomeOf(createTestJob(user.id, { outputs: 1 + (i % 4) }, { maxActiveJobs: 8 })),
    );
    const created = outcomes.filter((o) => o.code === "OK");
    expect(created.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.code !== "OK").length).toBeGreaterThan(0);

    const jobs = await db.job.findMany({ where: { workspaceId: user.id }, select: { id: true, totalCost: true } });
    const charges = await db.ledgerEntry.findMany({ where: { workspaceId: user.id, kind: "CHARGE" } });
    expect(jobs).toHaveLength(created.length);
    expect(charges).toHaveLength(jobs.length);
    for (const job of jobs) {
      const own = charges.filter((c) => c.jobId === job.id);
      expect(own.map((c) => c.amount)).toEqual([-job.totalCost]);
    }
    await expectConserved(user.id, expect);
  });

  it("the unique index refuses a second CHARGE for the same job", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 2 });
    const before = await accountState(user.id);
    const refusal = await refusedBy(writeRawEntry(
      {
        userId: user.id, kind: "CHARGE", amount: -4, balanceBefore: before.balance, balanceAfter: before.balance - 4,
        jobId: job.id, actorType: "USER", reason: "charged twice",
      },
      { setBalance: before.balance - 4 },
    ));
    expect(refusal.state).toBe("23505");
    expect(refusal.message).toContain("ledger_entry_one_charge_per_job");
    const after = await accountState(user.id);
    expect(after.balance).toBe(before.balance);
    expect(after.entries).toHaveLength(before.entries.length);
  });

  it("job, charge and queue entry commit together: when enqueueing fails, there is no job and no charge", async () => {
    const user = await createUser({ balance: 20 });
    // Break the queue for this database only (each test file has its own database).
    await db.$executeRawUnsafe(`
      CREATE FUNCTION test_refuse_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'queue unavailable (test)'; END $$`);
    await db.$executeRawUnsafe(`
      CREATE TRIGGER test_refuse_enqueue BEFORE INSERT ON graphile_worker._private_jobs
      FOR EACH ROW EXECUTE FUNCTION test_refuse_enqueue()`);
    try {
      await expect(createTestJob(user.id, { outputs: 2 })).rejects.toThrow(/queue unavailable/);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER test_refuse_enqueue ON graphile_worker._private_jobs`);
    }
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
    const state = await accountState(user.id);
    expect(state.balance).toBe(20);
    expect(state.entries.map((e) => e.kind)).toEqual(["GRANT"]);

    // With the queue back, the same request goes through with exactly one charge.
    const { job } = await createTestJob(user.id, { outputs: 2 });
    expect(await db.ledgerEntry.count({ where: { jobId: job.id, kind: "CHARGE" } })).toBe(1);
  });

  it("a CHARGE or REFUND without a job, or a GRANT naming a job, is refused", async () => {
    const user = await createUser({ balance: 20 });
    const refusal = await refusedBy(writeRawEntry(
      { userId: user.id, kind: "CHARGE", amount: -4, balanceBefore: 20, balanceAfter: 16, actorType: "USER", reason: "a charge for nothing" },
      { setBalance: 16 },
    ));
    expect(refusal.message).toContain("ledger_entry_job_kinds");
  });
});
