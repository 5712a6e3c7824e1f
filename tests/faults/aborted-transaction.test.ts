import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";


import { accountState, createUser, db, expectConserved } from "../helpers";
import { sqlStateOf } from "../fixtures/errors";
import { createTestJob } from "../fixtures/jobs";
import { money } from "~/server/money";

// Regression for prisma/orm#30374: after a failed statement inside an
// interactive transaction, later queries on the driver adapter could return
// wrong results. PostgreSQL must keep the transaction aborted (25P02) so that
// nothing after the failure runs and nothing of the transaction commits.

describe("a failed statement aborts the whole interactive transaction", () => {
  it("after a CHECK violation, a later SELECT rejects with 25P02 and earlier writes are rolled back", async () => {
    const user = await createUser({ balance: 10 });
    let failedStatement: unknown = null;
    let laterQuery: unknown = null;
    const outcome = await db.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE "user" SET name = 'written before the failure' WHERE id = ${user.id}`;
      try {
        await tx.$executeRaw`UPDATE workspace SET balance = -1 WHERE id = ${user.id}`;
      } catch (error) {
        failedStatement = error; // swallowed, as careless code would
      }
      try {
        const rows = await tx.$queryRaw<{ balance: number }[]>`SELECT balance FROM workspace WHERE id = ${user.id}`;
        laterQuery = rows; // must not happen: a result here would be a lie
      } catch (error) {
        laterQuery = error;
        throw error;
      }
    }).then(() => "committed", (error: unknown) => error);

    expect(sqlStateOf(failedStatement).state).toBe("23514");
    expect(Array.isArray(laterQuery)).toBe(false);
    expect(sqlStateOf(laterQuery)).toMatchObject({ state: "25P02" });
    expect(sqlStateOf(laterQuery).message).toContain("current transaction is aborted");
    expect(outcome).not.toBe("committed");
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.name).not.toBe("written before the failure");
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(10);
  });

  it("after a unique violation (second CHARGE), later reads and writes reject and nothing commits", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await createTestJob(user.id, { outputs: 2 });
    const before = await accountState(user.id);
    const laterErrors: unknown[] = [];
    await db.$transaction(async (tx) => {
      await money.lockAccount(tx, user.id);
      await tx.$executeRaw`UPDATE "user" SET name = 'partial' WHERE id = ${user.id}`;
      await tx.$queryRaw`SELECT cw_ledger_post(${user.id}, 'CHARGE', -4, ${job.id}::uuid, 'USER', ${user.id}, 'again', NULL)::text`
        .catch(() => undefined);
      for (const later of [
        tx.$queryRaw`SELECT count(*) FROM ledger_entry WHERE job_id = ${job.id}::uuid`,
        tx.user.findUnique({ where: { id: user.id } }),
        tx.$executeRaw`UPDATE "user" SET name = 'after the failure' WHERE id = ${user.id}`,
      ]) {
        laterErrors.push(await later.then(() => null, (error: unknown) => error));
      }
    }).catch(() => undefined);

    expect(laterErrors.map((e) => sqlStateOf(e).state)).toEqual(["25P02", "25P02", "25P02"]);
    const after = await accountState(user.id);
    expect(after).toEqual(before);
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).name).not.toMatch(/partial|after the failure/);
    await expectConserved(user.id, expect);
  });

  it("swallowing the failure and returning normally still commits nothing", async () => {
    const user = await createUser({ balance: 10 });
    await db.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE "user" SET name = 'swallowed' WHERE id = ${user.id}`;
      await tx.$executeRaw`UPDATE workspace SET balance = -5 WHERE id = ${user.id}`.catch(() => undefined);
    }).catch(() => undefined);
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.name).not.toBe("swallowed");
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(10);
  });

  it("inside withTransaction, a statement failing after the money moved leaves no partial money write", async () => {
    const user = await createUser({ balance: 10 });
    const grant = { workspaceId: user.id, amount: 25, kind: "GRANT", actor: { type: "SYSTEM", id: "test" }, reason: "Grant", idempotencyKey: randomUUID() } as const;
    const failure = await money.moveCredits(
      db,
      grant,
      async (tx) => {
        // The balance and the ledger entry are written; now a later statement fails,
        // and the code even tries to carry on.
        await tx.$executeRaw`UPDATE workspace SET balance = -1 WHERE id = ${user.id}`.catch(() => undefined);
        await tx.$queryRaw`SELECT 1`;
      },
    ).catch((e: unknown) => e);
    expect(sqlStateOf(failure).state).toBe("25P02");
    const state = await accountState(user.id);
    expect(state.balance).toBe(10);
    expect(state.entries).toHaveLength(1);
    await expectConserved(user.id, expect);

    // And the same key can be used again: nothing of the failed attempt is left behind.
    const retried = await money.moveCredits(db, grant);
    expect(retried.replayed).toBe(false);
    expect((await accountState(user.id)).balance).toBe(35);
    await expectConserved(user.id, expect);
  });
});
