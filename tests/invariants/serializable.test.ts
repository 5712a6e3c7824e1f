import { describe, expect, it } from "vitest";

import { Prisma, withTransaction, type Tx } from "~/server/db";
import { accountTransaction, statementAlone } from "~/server/money/shapes";
import { createJob } from "~/server/jobs/create";
import { counters } from "~/server/metrics";

import { deferred } from "../fixtures/concurrency";
import { sqlStateOf } from "../fixtures/errors";
import { actingAs, createUser, db, expectConserved, jobRequest, testConfig } from "../helpers";

// SPEC §2 "Transactions": every money transaction is SERIALIZABLE. These
// tests show why it matters and that it is what production code gets.

/** Both parties arrive, then both go on. */
function barrier() {
  const arrived = [deferred(), deferred()] as const;
  return async (party: 0 | 1) => {
    arrived[party].resolve();
    await arrived[1 - party]!.promise;
  };
}

const price = 10;

/**
 * A debit written the careless way, without the user-row lock: read the
 * balance, check it, write balance − price, record the debit. Both parties
 * read before either writes (on the first attempt), the classic lost update.
 */
function carelessDebit(walletId: number, bothRead: (party: 0 | 1) => Promise<void>, party: 0 | 1, attempts: number[]) {
  return async (tx: Tx) => {
    attempts[party] = (attempts[party] ?? 0) + 1;
    const [wallet] = await tx.$queryRaw<{ balance: number }[]>`SELECT balance FROM test_wallet WHERE id = ${walletId}`;
    if (attempts[party] === 1) await bothRead(party);
    if (wallet!.balance < price) return "refused";
    await tx.$executeRaw`UPDATE test_wallet SET balance = ${wallet!.balance - price} WHERE id = ${walletId}`;
    await tx.$executeRaw`INSERT INTO test_debit (wallet_id, amount) VALUES (${walletId}, ${price})`;
    return "debited";
  };
}

async function newWallet(balance: number): Promise<number> {
  await db.$executeRaw`CREATE TABLE IF NOT EXISTS test_wallet (id serial PRIMARY KEY, balance int NOT NULL)`;
  await db.$executeRaw`CREATE TABLE IF NOT EXISTS test_debit (wallet_id int NOT NULL, amount int NOT NULL)`;
  const [wallet] = await db.$queryRaw<{ id: number }[]>`INSERT INTO test_wallet (balance) VALUES (${balance}) RETURNING id`;
  return wallet!.id;
}

async function debited(walletId: number): Promise<number> {
  const [row] = await db.$queryRaw<{ total: number }[]>`
    SELECT COALESCE(sum(amount), 0)::int AS total FROM test_debit WHERE wallet_id = ${walletId}`;
  return row!.total;
}

describe("SPEC §2: money transactions are SERIALIZABLE", () => {
  it("two careless debits of one balance under the production settings: one fails to serialize, its retry sees the other's debit, nothing is overdrawn", async () => {
    const walletId = await newWallet(price);
    const bothRead = barrier();
    const attempts: number[] = [];
    const outcomes = await Promise.all(
      ([0, 1] as const).map((party) =>
        withTransaction(db, { label: "test.carelessDebit" }, carelessDebit(walletId, bothRead, party, attempts)),
      ),
    );
    expect(outcomes.sort()).toEqual(["debited", "refused"]);
    expect(attempts.reduce((sum, n) => sum + n, 0)).toBe(3);
    expect(await debited(walletId)).toBe(price);
    const [wallet] = await db.$queryRaw<{ balance: number }[]>`SELECT balance FROM test_wallet WHERE id = ${walletId}`;
    expect(wallet!.balance).toBe(0);
  });

  it("the same two debits at READ COMMITTED both succeed: the balance was spent twice (why the setting matters)", async () => {
    const walletId = await newWallet(price);
    const bothRead = barrier();
    const attempts: number[] = [];
    const readCommitted = { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted };
    const outcomes = await Promise.all(
      ([0, 1] as const).map((party) => db.$transaction(carelessDebit(walletId, bothRead, party, attempts), readCommitted)),
    );
    expect(outcomes).toEqual(["debited", "debited"]);
    expect(await debited(walletId)).toBe(2 * price);
  });

  it("every transaction begins SERIALIZABLE without asking (in its BEGIN), a money call sent alone too; other single statements keep the server's default", async () => {
    const [inTransaction] = await withTransaction(db, { label: "test.isolation" }, (tx) =>
      tx.$queryRaw<{ isolation: string }[]>`SELECT current_setting('transaction_isolation') AS isolation`);
    expect(inTransaction!.isolation).toBe("serializable");
    const [plainTransaction] = await db.$transaction((tx) =>
      tx.$queryRaw<{ isolation: string }[]>`SELECT current_setting('transaction_isolation') AS isolation`);
    expect(plainTransaction!.isolation).toBe("serializable");
    const [single] = await db.$queryRaw<{ isolation: string }[]>`SELECT current_setting('transaction_isolation') AS isolation`;
    expect(single!.isolation).toBe("read committed");
    // A money call sent alone (a worker's claim, a create) is its own
    // transaction on connections whose default is SERIALIZABLE.
    const [alone] = await statementAlone<{ isolation: string }>(db, { label: "test.isolation" },
      Prisma.sql`SELECT current_setting('transaction_isolation') AS isolation`);
    expect(alone!.isolation).toBe("serializable");
    // And an account's interactive money transaction begins SERIALIZABLE too.
    const [interactive] = await accountTransaction(db, { label: "test.isolation", accountId: "nobody" }, (tx) =>
      tx.$queryRaw<{ isolation: string }[]>`SELECT current_setting('transaction_isolation') AS isolation`);
    expect(interactive!.isolation).toBe("serializable");
  });

  it("the money functions refuse to run below SERIALIZABLE (cw_assert_serializable)", async () => {
    const user = await createUser({ balance: 100 });
    const failure = await db
      .$transaction(
        (tx) => tx.$queryRaw`
          SELECT r.outcome FROM cw_create_job(${user.id}, ${user.id}, 'key-rc', 'hash', 'storyteller-v1', 'p', 1, 2, 60000, 5, 10, 60) AS r`,
        { isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
      )
      .then(() => null, (error: unknown) => error);
    expect(sqlStateOf(failure).state).toBe("CW500");
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("one account's 24 concurrent creates in one process queue before the database: not one serialization failure", async () => {
    const user = await createUser({ balance: 10_000 });
    const retriesBefore = counters.conflictRetries;
    const results = await Promise.all(Array.from({ length: 24 }, () => createJob(db, actingAs(user.id), jobRequest({ outputs: 1 }), testConfig)));
    expect(results.every((result) => !result.replayed)).toBe(true);
    expect(counters.conflictRetries - retriesBefore).toBe(0);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(24);
    await expectConserved(user.id, expect);
  });
});
