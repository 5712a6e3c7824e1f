import pg from "pg";
import { describe, expect, it } from "vitest";

import { findModel } from "~/server/catalog";
import { runJobTask } from "~/server/queue/tasks";

import { drainQueue } from "../fixtures/queue";
import { createUser, db, testConfig } from "../helpers";

/**
 * Creates of different accounts do not conflict on the queue. Each create is
 * a SERIALIZABLE transaction that adds its run-job; if adding a job read the
 * whole queue table (as graphile-worker's add_jobs does when the table is
 * empty and known to be: a drained queue), any two concurrent creates would
 * fail to serialize. This file's database is fresh: keep this test first.
 */

const model = findModel("storyteller-v1")!;

async function beginCreate(client: pg.Client, userId: string): Promise<string> {
  await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
  const { rows } = await client.query<{ outcome: string }>(
    "SELECT outcome FROM cw_create_job($1, $1, gen_random_uuid()::text, 'hash', $2, 'a prompt', 1, $3, $4, $5, $6, 60)",
    [userId, model.id, model.pricePerOutput, testConfig.jobTimeoutMs, testConfig.maxActiveJobs, testConfig.rateLimitPerMinute],
  );
  return rows[0]!.outcome;
}

describe("concurrent creates of two accounts", () => {
  it("both commit, though each enqueued its job while the other was open", async () => {
    // A worker has started once: the run-job task is known (on a database
    // where it is not, the first create adds it and a second waits for that).
    await drainQueue(runJobTask);
    const [first, second] = await Promise.all([createUser({ balance: 10 }), createUser({ balance: 10 })]);
    // Statistics that know the queue is empty, as autovacuum leaves them
    // once workers have drained it (the table is graphile-worker's: only
    // its statistics are touched).
    await db.$executeRawUnsafe("ANALYZE graphile_worker._private_jobs");
    const clients = [new pg.Client({ connectionString: process.env.DATABASE_URL }), new pg.Client({ connectionString: process.env.DATABASE_URL })];
    await Promise.all(clients.map((client) => client.connect()));
    try {
      expect(await beginCreate(clients[0]!, first.id)).toBe("CREATED");
      expect(await beginCreate(clients[1]!, second.id)).toBe("CREATED");
      await clients[0]!.query("COMMIT");
      await clients[1]!.query("COMMIT");
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});
