import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { money, type GrantTerms } from "~/server/money";

import { serveRest, keyFor } from "../fixtures/rest";
import { callerFor, createUser, db, expectConserved, jobRequest, type TestUser } from "../helpers";

// What the user sees must be what they can spend (SPEC §7): a grant whose
// expiry has passed but that no sweep has closed yet is not available, and
// a scheduled grant that became effective is, in the balance tRPC's
// credits.summary answers (the header's numbers), in the wallet, and in
// REST's GET /api/v1/balance, exactly as a create counts them. No sweep
// runs in this file: expiry is computed at read time.

const rest = await serveRest();
afterAll(() => rest.close());

/** Moves expiries (or a scheduled grant's start) to this instant on the database's clock, as time passing would. */
async function expireNow(grantId: bigint | null) {
  await db.$executeRaw`UPDATE credit_grant SET expires_at = clock_timestamp() WHERE id = ${grantId}::bigint`;
}
async function openNow(grantId: bigint | null) {
  await db.$executeRaw`UPDATE credit_grant SET effective_at = clock_timestamp() WHERE id = ${grantId}::bigint`;
}

async function give(user: TestUser, amount: number, terms: GrantTerms) {
  const result = await money.moveOrScheduleCredits(db, {
    workspaceId: user.id, amount, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: `${amount} credits`,
    idempotencyKey: randomUUID(), grant: terms,
  });
  return result.grantId;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);

/** What each place shows the user: tRPC's summary (the header), the wallet (the statement), REST's balance. */
async function seenBy(user: TestUser, key: string) {
  const caller = callerFor(user);
  const [summary, wallet, balance] = await Promise.all([
    caller.credits.summary(),
    caller.credits.wallet(),
    rest.request("GET", "/balance", { key }),
  ]);
  expect(balance.status).toBe(200);
  return { summary, wallet, balance: balance.json as { available: number; expiringSoon: { credits: number; expiresAt: string } | null } };
}

/** A create counts the same credits: one output more than they pay for is refused, naming them as available. */
async function expectCreateCounts(user: TestUser, available: number) {
  // storyteller-v1 costs 2 credits per output, 1 to 4 outputs a job.
  const outputs = Math.floor(available / 2) + 1;
  expect(outputs).toBeLessThanOrEqual(4);
  const refused = await callerFor(user).jobs.create(jobRequest({ outputs })).then(
    () => null,
    (error: { cause?: { code?: string; details?: { availableCredits?: number } } }) => error.cause,
  );
  expect(refused).toMatchObject({ code: "INSUFFICIENT_CREDITS", details: { availableCredits: available } });
}

describe("the balance as of the clock, before any sweep", () => {
  it("a grant past its expiry is gone from every balance the user sees, and from what a create can spend", async () => {
    const user = await createUser();
    const key = await keyFor(user);
    await give(user, 4, { category: "PAID" });
    const promo = await give(user, 40, { category: "PROMOTIONAL", expiresAt: inDays(3) });

    const before = await seenBy(user, key);
    expect(before.summary).toMatchObject({ available: 44, expiringSoon: { credits: 40 } });
    expect(before.balance).toMatchObject({ available: 44, expiringSoon: { credits: 40 } });

    await expireNow(promo);
    const after = await seenBy(user, key);
    expect(after.summary.available).toBe(4);
    expect(after.summary.expiringSoon).toBeNull();
    expect(after.balance.available).toBe(4);
    expect(after.balance.expiringSoon).toBeNull();
    expect(after.wallet.expiringSoon).toBeNull();
    expect(after.wallet.grants.map((grant) => [grant.amount, grant.state])).toEqual([[4, "live"]]);
    expect(after.wallet.closed.map((grant) => [grant.amount, grant.state, grant.remaining])).toEqual([[40, "expired", 0]]);
    await expectCreateCounts(user, after.summary.available);

    // Spending what the summary showed works, and leaves what it then shows.
    await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    expect((await seenBy(user, key)).summary).toMatchObject({ available: 0, reserved: 4 });
    await expectConserved(user.id, expect);
  });

  it("no expiring-soon date in the past: only credits that have not expired yet are announced", async () => {
    const user = await createUser();
    const key = await keyFor(user);
    const first = await give(user, 10, { category: "PROMOTIONAL", expiresAt: inDays(2) });
    await give(user, 6, { category: "PROMOTIONAL", expiresAt: inDays(5) });
    await expireNow(first);
    const seen = await seenBy(user, key);
    expect(seen.summary.available).toBe(6);
    expect(seen.summary.expiringSoon?.credits).toBe(6);
    const now = (await db.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`)[0]!.now;
    expect(seen.summary.expiringSoon!.expiresAt.getTime()).toBeGreaterThan(now.getTime());
    expect(new Date(seen.balance.expiringSoon!.expiresAt).getTime()).toBeGreaterThan(now.getTime());
    expect(seen.wallet.expiringSoon?.credits).toBe(6);
    await expectCreateCounts(user, 6);
  });

  it("a scheduled grant that became effective counts at once, as a create would count it", async () => {
    const user = await createUser();
    const key = await keyFor(user);
    await give(user, 2, { category: "PAID" });
    const later = await give(user, 4, { category: "PAID", effectiveAt: inDays(1) });
    expect((await seenBy(user, key)).summary.available).toBe(2);
    await openNow(later);
    const seen = await seenBy(user, key);
    expect(seen.summary.available).toBe(6);
    expect(seen.balance.available).toBe(6);
    expect(seen.wallet.grants.map((grant) => [grant.amount, grant.remaining, grant.state])).toEqual([[2, 2, "live"], [4, 4, "live"]]);
    await expectCreateCounts(user, 6);
    await callerFor(user).jobs.create(jobRequest({ outputs: 3 }));
    expect((await seenBy(user, key)).summary.available).toBe(0);
    await expectConserved(user.id, expect);
  });
});
