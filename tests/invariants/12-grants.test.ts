import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { voidGrant } from "~/server/admin/void-grant";
import { runIntegrityChecks } from "~/server/integrity";
import { cancelJob } from "~/server/jobs/cancel";
import { runCleanup } from "~/server/jobs/cleanup";
import { createJob } from "~/server/jobs/create";
import { getWallet } from "~/server/wallet/wallet";

import { actingAs, callerFor, createUser, db, jobRequest, testConfig, type TestUser } from "../helpers";
import { outcomeOf } from "../fixtures/errors";
import { money, type GrantTerms } from "~/server/money";

// SPEC §3 invariant 12 and §7: every credit is a grant; debits draw from
// grants in order (priority, soonest expiry, age); refunds go back to the
// grants they came from; an expired grant's rest expires exactly once,
// whoever sweeps; a refund never revives expired credits.

/**
 * Moves a grant's expiry (or a scheduled grant's start) to this instant on
 * the database's clock, as the passing of time would: the code under test
 * compares them with clock_timestamp(), so what happens next is decided by
 * the test's steps, not by how fast a busy machine runs them.
 */
async function expireNow(...grantIds: (bigint | null)[]) {
  await db.$executeRaw`UPDATE credit_grant SET expires_at = clock_timestamp() WHERE id = ANY(${grantIds}::bigint[])`;
}
async function openNow(grantId: bigint | null) {
  await db.$executeRaw`UPDATE credit_grant SET effective_at = clock_timestamp() WHERE id = ${grantId}::bigint`;
}

async function give(user: TestUser, amount: number, terms: GrantTerms = {}, kind: "GRANT" | "PURCHASE" = "GRANT") {
  const result = await money.moveOrScheduleCredits(db, {
    workspaceId: user.id, amount, kind, actor: { type: "SYSTEM", id: "test" }, reason: `${amount} ${kind.toLowerCase()}`,
    idempotencyKey: randomUUID(), grant: terms,
  });
  return result.grantId;
}

async function grantsOf(userId: string) {
  return db.creditGrant.findMany({ where: { workspaceId: userId }, orderBy: { id: "asc" } });
}

async function drawsOf(entryId: bigint) {
  const draws = await db.creditDraw.findMany({ where: { entryId }, orderBy: { grantId: "asc" } });
  return draws.map((draw) => ({ grantId: draw.grantId, amount: draw.amount }));
}

async function chargeOf(jobId: string) {
  return db.ledgerEntry.findFirstOrThrow({ where: { jobId, kind: "CHARGE" } });
}

/** Every §3 check, for this user: the grant checks included. */
async function expectHealthy(userId: string) {
  const report = await runIntegrityChecks(db, { workspaceId: userId });
  expect(report.checks.filter((check) => check.violationCount > 0).map((check) => check.violations)).toEqual([]);
}

async function expectAppError(call: Promise<unknown>, code: string) {
  expect((await outcomeOf(call)).code).toBe(code);
}

const at = (msFromNow: number) => new Date(Date.now() + msFromNow);

describe("§3.12 grants", () => {
  it("a debit draws by priority, then soonest expiry (never last), then age; its draws sum to it", async () => {
    const user = await createUser();
    const paid = await give(user, 10, { category: "PAID" }, "PURCHASE");
    const promoLater = await give(user, 4, { category: "PROMOTIONAL", expiresAt: at(3_600_000 * 48) });
    const promoSoon = await give(user, 3, { category: "PROMOTIONAL", expiresAt: at(3_600_000) });
    const promoNever = await give(user, 2, { category: "PROMOTIONAL" });

    // storyteller-v1 costs 2 per output: 4 outputs = 8 credits.
    const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 4 }), testConfig);
    expect(await drawsOf((await chargeOf(job.id)).id)).toEqual([
      { grantId: promoLater, amount: -4 },
      { grantId: promoSoon, amount: -3 },
      { grantId: promoNever, amount: -1 },
    ]);
    const grants = await grantsOf(user.id);
    expect(grants.map((grant) => [grant.id, grant.remaining])).toEqual([
      [paid, 10], [promoLater, 0], [promoSoon, 0], [promoNever, 1],
    ]);
    const wallet = await getWallet(db, user.id);
    expect(wallet.grants[0]?.id).toBe(String(promoNever));
    expect(wallet.expiringSoon).toBeNull();
    await expectHealthy(user.id);
  });

  it("a cancel refunds the undelivered outputs to the grants the charge drew from, each up to what it gave", async () => {
    const user = await createUser();
    const paid = await give(user, 10, { category: "PAID" }, "PURCHASE");
    const promo = await give(user, 3, { category: "PROMOTIONAL" });
    const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 4 }), testConfig);
    expect(await drawsOf((await chargeOf(job.id)).id)).toEqual([
      { grantId: paid, amount: -5 },
      { grantId: promo, amount: -3 },
    ]);
    await cancelJob(db, actingAs(user.id), job.id);
    const refund = await db.ledgerEntry.findFirstOrThrow({ where: { jobId: job.id, kind: "REFUND" } });
    expect(refund.amount).toBe(8);
    expect(await drawsOf(refund.id)).toEqual([
      { grantId: paid, amount: 5 },
      { grantId: promo, amount: 3 },
    ]);
    expect((await grantsOf(user.id)).map((grant) => grant.remaining)).toEqual([10, 3]);
    await expectHealthy(user.id);
  });

  it("credits refunded to a grant that expired meanwhile expire at once (one EXPIRE entry, same transaction)", async () => {
    const user = await createUser();
    const paid = await give(user, 10, { category: "PAID" }, "PURCHASE");
    const promo = await give(user, 4, { category: "PROMOTIONAL", expiresAt: at(3_600_000) });
    const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 3 }), testConfig); // 6: 4 promo + 2 paid
    await expireNow(promo);
    await cancelJob(db, actingAs(user.id), job.id);
    const entries = await db.ledgerEntry.findMany({ where: { workspaceId: user.id }, orderBy: { id: "asc" } });
    const [refund, expire] = entries.slice(-2);
    expect(refund).toMatchObject({ kind: "REFUND", amount: 6 });
    expect(expire).toMatchObject({ kind: "EXPIRE", amount: -4, jobId: job.id });
    expect(await drawsOf(expire!.id)).toEqual([{ grantId: promo, amount: -4 }]);
    const balance = (await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance;
    expect(balance).toBe(10);
    expect((await grantsOf(user.id)).map((grant) => [grant.id, grant.remaining, grant.closedAt !== null])).toEqual([
      [paid, 10, false], [promo, 0, true],
    ]);
    await expectHealthy(user.id);
  });

  it("a running job is not affected by the expiry of the grant it was charged from", async () => {
    const user = await createUser();
    const grant = await give(user, 6, { expiresAt: at(3_600_000) });
    const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 3 }), testConfig);
    await expireNow(grant);
    const swept = await runCleanup(db, testConfig);
    expect(swept.grantsExpired).toBe(1);
    // Nothing was left in the grant: no EXPIRE entry, and the job is untouched.
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "EXPIRE" } })).toBe(0);
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("PENDING");
    await expectHealthy(user.id);
  });

  it("two sweeps racing (and the account's own create) expire each grant exactly once", async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => createUser()));
    for (const user of users) {
      const promo = await give(user, 5, { expiresAt: at(3_600_000) });
      const paid = await give(user, 7, { expiresAt: at(3_600_000), category: "PAID" });
      await give(user, 2);
      await expireNow(promo, paid);
    }
    const results = await Promise.all([
      runCleanup(db, testConfig),
      runCleanup(db, testConfig),
      runCleanup(db, testConfig),
      ...users.map((user) => createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig)),
    ]);
    const sweeps = results.slice(0, 3) as Awaited<ReturnType<typeof runCleanup>>[];
    // The creates expired some grants themselves; sweeps + creates = every grant once.
    const expiries = await db.ledgerEntry.findMany({ where: { workspaceId: { in: users.map((u) => u.id) }, kind: "EXPIRE" } });
    expect(expiries).toHaveLength(users.length * 2);
    expect(new Set(expiries.map((entry) => entry.grantId)).size).toBe(users.length * 2);
    expect(sweeps.reduce((sum, sweep) => sum + sweep.grantsExpired, 0)).toBeLessThanOrEqual(users.length * 2);
    for (const user of users) {
      expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(0);
      await expectHealthy(user.id);
    }
  });

  it("a sweep racing a refund into an expiring grant: the returned credits expire once, nothing is revived", async () => {
    for (let round = 0; round < 4; round++) {
      const user = await createUser();
      const promo = await give(user, 8, { expiresAt: at(3_600_000) });
      await give(user, 4, { category: "PAID" }, "PURCHASE");
      const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 4 }), testConfig); // 8 from the promo
      await expireNow(promo);
      await Promise.all([runCleanup(db, testConfig), cancelJob(db, actingAs(user.id), job.id), runCleanup(db, testConfig)]);
      const promoGrant = await db.creditGrant.findUniqueOrThrow({ where: { id: promo! } });
      expect(promoGrant.closedAt).not.toBeNull();
      expect(promoGrant.remaining).toBe(0);
      expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(4);
      // One closing EXPIRE at most (nothing was left when it closed) and one for the returned 8.
      const expiries = await db.ledgerEntry.findMany({ where: { workspaceId: user.id, kind: "EXPIRE" } });
      expect(expiries.reduce((sum, entry) => sum + entry.amount, 0)).toBe(-8);
      await expectHealthy(user.id);
    }
  });

  it("the cleanup settles an account's stuck jobs as a set, each refund as a cancel would write it", async () => {
    const user = await createUser();
    const paid = await give(user, 12, { category: "PAID" }, "PURCHASE");
    const promo = await give(user, 4, { category: "PROMOTIONAL", expiresAt: at(3_600_000) });
    const first = (await createJob(db, actingAs(user.id), jobRequest({ outputs: 3 }), testConfig)).job; // 6: 4 promo + 2 paid
    const second = (await createJob(db, actingAs(user.id), jobRequest({ outputs: 2 }), testConfig)).job; // 4 paid
    const lost = (await createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig)).job; // 2 paid, attempts left
    // Two past their deadline, one whose worker died with attempts left; then the promo expires.
    await db.$executeRaw`UPDATE job SET status = 'PROCESSING', attempts = 1, lease_owner = 'gone',
      lease_expires_at = clock_timestamp() - interval '1 second', started_at = clock_timestamp(),
      deadline_at = clock_timestamp() + CASE WHEN id = ${lost.id}::uuid THEN interval '1 hour' ELSE interval '-1 second' END
      WHERE id IN (${first.id}::uuid, ${second.id}::uuid, ${lost.id}::uuid)`;
    await expireNow(promo);
    const result = await runCleanup(db, testConfig);
    expect(result).toMatchObject({ failed: 2, refunded: 2, recovered: 1, complete: true });
    const [refundFirst, expireFirst] = await db.ledgerEntry.findMany({ where: { jobId: first.id, kind: { not: "CHARGE" } }, orderBy: { id: "asc" } });
    expect(refundFirst).toMatchObject({ kind: "REFUND", amount: 6, reason: "Job failed (TIMEOUT): undelivered outputs" });
    expect(await drawsOf(refundFirst!.id)).toEqual([{ grantId: paid, amount: 2 }, { grantId: promo, amount: 4 }]);
    // What went back to the expired promo expires at once, right after its refund.
    expect(expireFirst).toMatchObject({ kind: "EXPIRE", amount: -4, id: refundFirst!.id + 1n });
    expect(await drawsOf(expireFirst!.id)).toEqual([{ grantId: promo, amount: -4 }]);
    const refundSecond = await db.ledgerEntry.findFirstOrThrow({ where: { jobId: second.id, kind: "REFUND" } });
    expect(refundSecond.amount).toBe(4);
    expect(await drawsOf(refundSecond.id)).toEqual([{ grantId: paid, amount: 4 }]);
    expect(await db.ledgerEntry.count({ where: { jobId: lost.id, kind: "REFUND" } })).toBe(0);
    expect((await db.job.findUniqueOrThrow({ where: { id: lost.id } })).status).toBe("PENDING");
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(10);
    expect((await grantsOf(user.id)).map((grant) => [grant.id, grant.remaining, grant.closedAt !== null])).toEqual([
      [paid, 10, false], [promo, 0, true],
    ]);
    // A second pass finds the two settled and changes nothing.
    expect(await runCleanup(db, testConfig)).toMatchObject({ failed: 0, refunded: 0 });
    await expectHealthy(user.id);
  });

  it("a grant scheduled for later adds nothing until it is effective, then the sweep opens it", async () => {
    const user = await createUser();
    const result = await money.moveOrScheduleCredits(db, {
      workspaceId: user.id, amount: 9, kind: "GRANT", actor: { type: "ADMIN", id: "admin" }, reason: "Launch promo",
      idempotencyKey: "scheduled-1", grant: { effectiveAt: at(60_000), expiresAt: at(3_600_000) },
    });
    expect(result.status).toBe("scheduled");
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(0);
    // The same key again is a replay, still scheduled.
    const again = await money.moveOrScheduleCredits(db, {
      workspaceId: user.id, amount: 9, kind: "GRANT", actor: { type: "ADMIN", id: "admin" }, reason: "Launch promo",
      idempotencyKey: "scheduled-1", grant: { effectiveAt: at(60_000), expiresAt: at(3_600_000) },
    });
    expect(again).toMatchObject({ status: "scheduled", replayed: true, grantId: result.grantId });
    await openNow(result.grantId);
    await runCleanup(db, testConfig);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(9);
    const opening = await db.ledgerEntry.findFirstOrThrow({ where: { workspaceId: user.id, kind: "GRANT" } });
    expect(opening.grantId).toBe(result.grantId);
    await expectHealthy(user.id);
  });

  it("an admin's void expires what the grant holds, once, with the admin as actor; an expired grant cannot be voided", async () => {
    const user = await createUser();
    const admin = await createUser({ role: "ADMIN" });
    const promo = await give(user, 12, { category: "PROMOTIONAL" });
    const soon = await give(user, 3, { expiresAt: at(3_600_000) });
    const { job } = await createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig); // 2 from `soon`
    const voided = await voidGrant(db, { adminId: admin.id, grantId: promo!, reason: "Promo abuse" });
    expect(voided).toMatchObject({ voided: 12, replayed: false });
    expect(await voidGrant(db, { adminId: admin.id, grantId: promo!, reason: "Promo abuse" })).toMatchObject({ replayed: true, voided: 0 });
    const entry = await db.ledgerEntry.findFirstOrThrow({ where: { workspaceId: user.id, kind: "EXPIRE" } });
    expect(entry).toMatchObject({ amount: -12, actorType: "ADMIN", actorId: admin.id, reason: "Voided: Promo abuse", grantId: promo });
    await expireNow(soon);
    await expectAppError(voidGrant(db, { adminId: admin.id, grantId: soon!, reason: "late" }), "VALIDATION_ERROR");
    await cancelJob(db, actingAs(user.id), job.id);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(0);
    await expectHealthy(user.id);
  });

  it("the summary tells what expires first within two weeks (the header's notice), every credit of that day", async () => {
    const user = await createUser();
    await give(user, 50, { expiresAt: at(20 * 86_400_000) });
    expect((await callerFor(user).credits.summary()).expiringSoon).toBeNull();
    const soon = at(3 * 86_400_000);
    await give(user, 30, { expiresAt: soon });
    await give(user, 10, { expiresAt: new Date(soon.getTime() + 3_600_000), category: "PAID" });
    await give(user, 5, { expiresAt: at(6 * 86_400_000) });
    expect((await callerFor(user).credits.summary()).expiringSoon).toEqual({ credits: 40, expiresAt: soon });
  });

  it("bad grant terms are refused with field messages and write nothing", async () => {
    const user = await createUser();
    await expectAppError(give(user, 5, { expiresAt: at(-60_000) }), "VALIDATION_ERROR");
    await expectAppError(give(user, 5, { effectiveAt: at(3_600_000), expiresAt: at(60_000) }), "VALIDATION_ERROR");
    await expect(give(user, 5, { priority: 101 })).rejects.toThrow();
    expect(await db.creditGrant.count({ where: { workspaceId: user.id } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("the database refuses a grant's remaining changed by hand, beyond its amount, or a balance no grant holds", async () => {
    const user = await createUser({ balance: 5 });
    const [grant] = await grantsOf(user.id);
    await expect(db.$executeRaw`UPDATE credit_grant SET remaining = 4 WHERE id = ${grant!.id}`).rejects.toThrow(/kept by its draws/);
    await expect(db.$executeRaw`UPDATE credit_draw SET amount = 1`).rejects.toThrow(/append-only/);
    await expect(
      db.$executeRaw`INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at)
        VALUES (${user.id}, 'PAID', 50, 3, 4, 'GRANT', 'too much', now())`,
    ).rejects.toThrow(/credit_grant_remaining_within_amount/);
    await expect(
      db.$executeRaw`INSERT INTO credit_grant (workspace_id, category, priority, amount, remaining, kind, reason, opened_at)
        VALUES (${user.id}, 'PAID', 50, 3, 3, 'GRANT', 'invented', now())`,
    ).rejects.toThrow(/but its grants hold/);
    await expectHealthy(user.id);
  });

  it("moveCredits deducts by spending order and refuses more than the grants hold", async () => {
    const user = await createUser();
    await give(user, 3, { category: "PROMOTIONAL" });
    await give(user, 3, { category: "PAID" }, "PURCHASE");
    const deduction = await money.moveCredits(db, {
      workspaceId: user.id, amount: -4, kind: "ADJUSTMENT", actor: { type: "ADMIN", id: "a" }, reason: "correction", idempotencyKey: randomUUID(),
    });
    expect((await drawsOf(deduction.entry.id)).map((draw) => draw.amount)).toEqual([-3, -1]);
    await expectAppError(
      money.moveCredits(db, { workspaceId: user.id, amount: -3, kind: "ADJUSTMENT", actor: { type: "ADMIN", id: "a" }, reason: "x", idempotencyKey: randomUUID() }),
      "INSUFFICIENT_CREDITS",
    );
    await expectHealthy(user.id);
  });
});
