import { randomUUID } from "node:crypto";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { creditTotals, findViolations } from "../chaos/invariants";
import { startReplicatedPair, type ReplicatedPair } from "../fixtures/replicated-postgres";
import { startTcpProxy, type TcpProxy } from "../fixtures/tcp-proxy";

/**
 * Availability before sharding (docs/scaling.md): a primary with a
 * synchronous hot standby, the app reaching "the primary" through one
 * address (a TCP forwarder standing in for HAProxy/Patroni, a cloud
 * endpoint or a DNS name). Under a workload of grants and job creations
 * through the domain functions, the primary is SIGKILLed, the standby
 * promoted and the address moved: every grant and job the app acknowledged
 * is on the new primary, the books balance, and the same process goes on
 * working without a restart.
 */
const users = 6;
const loadBeforeFailoverMs = 2_500;
const loadAfterFailoverMs = 2_500;

let pair: ReplicatedPair;
let proxy: TcpProxy;
let app: Awaited<ReturnType<typeof importApp>>;

async function importApp() {
  const [{ db }, { createJob }, { money }, helpers, errors, metrics] = await Promise.all([
    import("~/server/db"),
    import("~/server/jobs/create"),
    import("~/server/money"),
    import("../helpers"),
    import("~/server/errors"),
    import("~/server/metrics"),
  ]);
  return {
    db, createJob, moveCredits: money.moveCredits, createUser: helpers.createUser, testConfig: helpers.testConfig, isAppError: errors.isAppError,
    counters: metrics.counters,
  };
}

beforeAll(async () => {
  pair = await startReplicatedPair({ synchronous: true });
  proxy = await startTcpProxy(pair.primary.port);
  Object.assign(process.env, {
    DATABASE_URL: `postgresql://postgres:postgres@127.0.0.1:${proxy.port}/${pair.databaseName}`,
    DATABASE_CONNECT_TIMEOUT_MS: "1000",
    DATABASE_STATEMENT_TIMEOUT_MS: "2000",
    DATABASE_QUERY_TIMEOUT_MS: "3000",
    DATABASE_RETRY_BUDGET_MS: "2000",
  });
  app = await importApp();
}, 90_000);

afterAll(async () => {
  await app?.db.$disconnect();
  await proxy?.stop();
  await pair?.stop();
});

type Acked = { kind: "grant" | "job"; userId: string; key: string; jobId?: string; at: number };

describe("failover to a synchronous standby", () => {
  it("loses no acknowledged grant or job, keeps the books balanced, and the app reconnects by itself", async () => {
    const accounts = await Promise.all(Array.from({ length: users }, () => app.createUser({ balance: 100_000 })));
    const acked: Acked[] = [];
    const retried = { count: 0, codes: new Map<string, number>() };
    let running = true;

    /** One intent, retried with the same key until the app acknowledges it (as the UI and API clients do). */
    async function untilAcknowledged(work: () => Promise<Omit<Acked, "at">>): Promise<void> {
      for (;;) {
        try {
          acked.push({ ...(await work()), at: Date.now() });
          return;
        } catch (error) {
          const code = app.isAppError(error) ? error.code : "UNTYPED";
          retried.count++;
          retried.codes.set(code, (retried.codes.get(code) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }

    const loops = accounts.map(async (user, index) => {
      for (let n = 0; running; n++) {
        const key = randomUUID();
        if ((n + index) % 2 === 0) {
          await untilAcknowledged(async () => {
            await app.moveCredits(app.db, {
              workspaceId: user.id, amount: 5, kind: "GRANT", actor: { type: "SYSTEM", id: "failover-test" }, reason: "Failover grant", idempotencyKey: key,
            });
            return { kind: "grant", userId: user.id, key };
          });
        } else {
          await untilAcknowledged(async () => {
            const { job } = await app.createJob(app.db, { workspaceId: user.id, actorUserId: user.id }, { idempotencyKey: key, modelId: "storyteller-v1", prompt: "failover", outputs: 1 }, app.testConfig);
            return { kind: "job", userId: user.id, key, jobId: job.id };
          });
        }
      }
    });

    await new Promise((resolve) => setTimeout(resolve, loadBeforeFailoverMs));
    const beforeFailover = acked.length;
    // The primary dies mid-load; the failover manager promotes the standby and moves the address.
    const failoverStartedAt = Date.now();
    pair.killPrimary();
    await pair.promoteStandby();
    proxy.retarget(pair.standby.port);
    const switchedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, loadAfterFailoverMs));
    running = false;
    await Promise.all(loops);

    const afterSwitch = acked.filter((entry) => entry.at > switchedAt).length;
    console.log(
      `[failover] ${beforeFailover} acknowledged before the kill, ${acked.length} in all, ${afterSwitch} after the switch; ` +
        `promotion + switch took ${switchedAt - failoverStartedAt} ms; ${retried.count} retries by the clients ` +
        `(${JSON.stringify(Object.fromEntries(retried.codes))}); inside the app ${app.counters.connectionRetries} connection retries, ` +
        `${app.counters.databaseUnavailable} gave up`,
    );
    expect(beforeFailover).toBeGreaterThan(0);
    // The same process kept working: no restart, no new pool by hand.
    expect(afterSwitch).toBeGreaterThan(0);

    // Everything acknowledged is on the new primary.
    const client = new pg.Client({ connectionString: pair.standby.url() });
    await client.connect();
    try {
      const grants = acked.filter((entry) => entry.kind === "grant");
      const jobs = acked.filter((entry) => entry.kind === "job");
      const foundGrants = await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM ledger_entry e JOIN unnest($1::text[], $2::text[]) AS a(workspace_id, key)
           ON e.workspace_id = a.workspace_id AND e.idempotency_key = a.key AND e.kind = 'GRANT'`,
        [grants.map((g) => g.userId), grants.map((g) => g.key)],
      );
      expect(foundGrants.rows[0]!.count).toBe(grants.length);
      const foundJobs = await client.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM job j JOIN ledger_entry c ON c.job_id = j.id AND c.kind = 'CHARGE'
         WHERE j.id = ANY($1::uuid[])`,
        [jobs.map((j) => j.jobId!)],
      );
      expect(foundJobs.rows[0]!.count).toBe(jobs.length);
      const { rows } = await client.query<{ in_recovery: boolean }>("SELECT pg_is_in_recovery() AS in_recovery");
      expect(rows[0]!.in_recovery).toBe(false);
    } finally {
      await client.end();
    }
    // SPEC §3 over the new primary, and the books balance.
    expect(await findViolations(pair.standby.url(), { quiet: false })).toEqual([]);
    const totals = await creditTotals(pair.standby.url());
    expect(totals.balances).toBe(totals.ledger);
  });
});
