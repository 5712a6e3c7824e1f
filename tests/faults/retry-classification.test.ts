import { describe, expect, it } from "vitest";

import { isRetryableConflict, Prisma, withTransaction, type Db, type Tx } from "~/server/db";
import { conflictAttemptsMax } from "~/server/database/retry";
import { AppError } from "~/server/errors";

import { createUser, db } from "../helpers";
import { deferred } from "../fixtures/concurrency";
import { sqlStateOf } from "../fixtures/errors";

// isRetryableConflict (src/server/db.ts) against the REAL failures PostgreSQL
// produces through the Rust-free Prisma client and the pg adapter, and
// withTransaction's retry / CONFLICT_RETRY built on it.

const serializable = { isolationLevel: Prisma.TransactionIsolationLevel.Serializable };

async function twoUsers() {
  const [a, b] = await Promise.all([createUser(), createUser()]);
  return { a: a.id, b: b.id };
}

/** A barrier for two parties: each arrives, then waits for the other. */
function barrier() {
  const arrived = [deferred(), deferred()] as const;
  return async (party: 0 | 1) => {
    arrived[party].resolve();
    await arrived[1 - party]!.promise;
  };
}

/**
 * Two SERIALIZABLE transactions with a write skew: both read both rows, each
 * writes one. The second barrier holds both open until both wrote, and the
 * second party commits only after the first finished, so the conflict
 * surfaces at the second COMMIT.
 */
async function commitTimeConflict(client: Db, ids: { a: string; b: string }) {
  const read = barrier();
  const wrote = barrier();
  const firstDone = deferred();
  const body = (party: 0 | 1) => async (tx: Tx) => {
    await tx.user.findMany({ where: { id: { in: [ids.a, ids.b] } } });
    await read(party);
    await tx.user.update({ where: { id: party === 0 ? ids.a : ids.b }, data: { name: `skew ${party}` } });
    await wrote(party);
    if (party === 1) await firstDone.promise;
  };
  const first = client.$transaction(body(0), serializable).finally(() => firstDone.resolve());
  const second = client.$transaction(body(1), serializable);
  return Promise.allSettled([first, second]);
}

function rejection(results: PromiseSettledResult<unknown>[]): unknown {
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  expect(failed).toHaveLength(1);
  return failed[0]!.reason;
}

describe("isRetryableConflict on real PostgreSQL conflicts", () => {
  it("a SERIALIZABLE conflict at a statement (model API) is P2034 and retryable", async () => {
    const { a } = await twoUsers();
    const read = barrier();
    const firstWrote = deferred();
    const body = (party: 0 | 1) => async (tx: Tx) => {
      await tx.user.findUnique({ where: { id: a } });
      await read(party);
      if (party === 1) await firstWrote.promise;
      await tx.user.update({ where: { id: a }, data: { name: `row ${party}` } });
      if (party === 0) {
        firstWrote.resolve();
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    };
    const error = rejection(await Promise.allSettled([db.$transaction(body(0), serializable), db.$transaction(body(1), serializable)]));
    expect((error as { code?: string }).code).toBe("P2034");
    expect(sqlStateOf(error).state).toBe("40001");
    expect(isRetryableConflict(error)).toBe(true);
  });

  it("a SERIALIZABLE conflict at a raw statement is P2010 with a TransactionWriteConflict cause, and retryable", async () => {
    const { a, b } = await twoUsers();
    const read = barrier();
    const body = (party: 0 | 1) => async (tx: Tx) => {
      await tx.$queryRaw`SELECT sum(balance) FROM workspace WHERE id IN (${a}, ${b})`;
      await read(party);
      await tx.$executeRaw`UPDATE workspace SET name = ${`raw ${party}`} WHERE id = ${party === 0 ? a : b}`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    const error = rejection(await Promise.allSettled([db.$transaction(body(0), serializable), db.$transaction(body(1), serializable)]));
    expect(sqlStateOf(error).state).toBe("40001");
    expect(isRetryableConflict(error)).toBe(true);
  });

  it("a conflict surfacing at COMMIT is a bare DriverAdapterError (TransactionWriteConflict, 40001), retryable", async () => {
    const ids = await twoUsers();
    const error = rejection(await commitTimeConflict(db, ids)) as { name?: string; cause?: { kind?: string; originalCode?: string } };
    expect(error.name).toBe("DriverAdapterError");
    expect(error.cause).toMatchObject({ kind: "TransactionWriteConflict", originalCode: "40001" });
    expect(isRetryableConflict(error)).toBe(true);
  });

  it("a real deadlock (40P01) is retryable", async () => {
    const { a, b } = await twoUsers();
    const locked = barrier();
    const body = (party: 0 | 1) => async (tx: Tx) => {
      const [first, second] = party === 0 ? [a, b] : [b, a];
      await tx.$executeRaw`UPDATE "user" SET name = 'first' WHERE id = ${first}`;
      await locked(party);
      await tx.$executeRaw`UPDATE "user" SET name = 'second' WHERE id = ${second}`;
    };
    const error = rejection(await Promise.allSettled([db.$transaction(body(0)), db.$transaction(body(1))]));
    expect(sqlStateOf(error).state).toBe("40P01");
    expect(isRetryableConflict(error)).toBe(true);
  });

  it("a unique violation, a CHECK violation, an AppError and a plain Error are not retryable", async () => {
    const user = await createUser();
    const unique = await db.user.create({ data: { id: "dup", email: user.email, name: "x" } }).catch((e: unknown) => e);
    expect(sqlStateOf(unique).state).toBe("23505");
    expect(isRetryableConflict(unique)).toBe(false);
    const check = await db.$executeRaw`UPDATE workspace SET balance = -1 WHERE id = ${user.id}`.catch((e: unknown) => e);
    expect(sqlStateOf(check).state).toBe("23514");
    expect(isRetryableConflict(check)).toBe(false);
    expect(isRetryableConflict(new AppError("CONFLICT_RETRY"))).toBe(false);
    expect(isRetryableConflict(new Error("40001"))).toBe(false);
    expect(isRetryableConflict(null)).toBe(false);
  });
});

describe("withTransaction", () => {
  it("retries a real serialization failure until both transactions commit", async () => {
    const { a, b } = await twoUsers();
    const read = barrier();
    const calls = [0, 0];
    const body = (party: 0 | 1) => async (tx: Tx) => {
      calls[party] = (calls[party] ?? 0) + 1;
      await tx.user.findMany({ where: { id: { in: [a, b] } } });
      if (calls[party] === 1) await read(party);
      await tx.user.update({ where: { id: party === 0 ? a : b }, data: { name: `retried ${party}` } });
      if (calls[party] === 1) await new Promise((resolve) => setTimeout(resolve, 100));
    };
    await Promise.all([
      withTransaction(db, { label: "test.skew", ...serializable }, body(0)),
      withTransaction(db, { label: "test.skew", ...serializable }, body(1)),
    ]);
    expect(calls[0]! + calls[1]!).toBeGreaterThanOrEqual(3);
    const names = await db.user.findMany({ where: { id: { in: [a, b] } }, select: { name: true } });
    expect(names.map((n) => n.name).sort()).toEqual(["retried 0", "retried 1"]);
  });

  it("retries a real deadlock until both transactions commit", async () => {
    const { a, b } = await twoUsers();
    const locked = barrier();
    const calls = [0, 0];
    const body = (party: 0 | 1) => async (tx: Tx) => {
      calls[party] = (calls[party] ?? 0) + 1;
      const [first, second] = party === 0 ? [a, b] : [b, a];
      await tx.$executeRaw`UPDATE "user" SET name = ${`dl ${party}`} WHERE id = ${first}`;
      if (calls[party] === 1) await locked(party);
      await tx.$executeRaw`UPDATE "user" SET name = name WHERE id = ${second}`;
    };
    await Promise.all([withTransaction(db, { label: "test.deadlock" }, body(0)), withTransaction(db, { label: "test.deadlock" }, body(1))]);
    // The deadlock's victim runs again (and, if its retry overlaps the
    // survivor's commit, may meet one serialization failure more): both commit.
    expect(calls[0]! + calls[1]!).toBeGreaterThanOrEqual(3);
    const names = await db.user.findMany({ where: { id: { in: [a, b] } }, select: { id: true, name: true } });
    expect(Object.fromEntries(names.map((row) => [row.id, row.name]))).toEqual({ [a]: "dl 0", [b]: "dl 1" });
  });

  it("turns exhausted retries into AppError CONFLICT_RETRY (with a real commit-conflict error rethrown every time)", async () => {
    const observed = rejection(await commitTimeConflict(db, await twoUsers()));
    let calls = 0;
    const failure = await withTransaction(db, { label: "test.exhaust" }, async () => {
      calls++;
      throw observed;
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe("CONFLICT_RETRY");
    expect(calls).toBe(conflictAttemptsMax);
  });

  it("does not retry what is not a conflict", async () => {
    let calls = 0;
    const failure = await withTransaction(db, { label: "test.noRetry" }, async () => {
      calls++;
      throw new AppError("INSUFFICIENT_CREDITS");
    }).catch((e: unknown) => e);
    expect((failure as AppError).code).toBe("INSUFFICIENT_CREDITS");
    expect(calls).toBe(1);
  });
});
