import { expect } from "vitest";

import { startOwnDatabase, type OwnDatabase } from "../fixtures/own-database";

import { chaosSeed } from "./random";

export type ChaosScenario = {
  durationS: number;
  users: number;
  workers: number;
  jobTimeoutMs: number;
  /** SIGKILLs of the (supervised, own) database server during the run. */
  databaseCrashes: number;
};

/**
 * Sets the engine's environment for a chaos run (short leases and deadlines
 * so recoveries happen within the run), runs it with the printed seed, and
 * asserts that nothing was lost, doubled or invented. The environment must
 * be set before the app's modules load, hence the dynamic import.
 */
export async function runChaosScenario(scenario: ChaosScenario): Promise<void> {
  process.env.LEASE_MS = "1000";
  process.env.JOB_TIMEOUT_MS = String(scenario.jobTimeoutMs);
  process.env.MAX_ATTEMPTS = "3";
  process.env.MAX_ACTIVE_JOBS = "4";
  process.env.RATE_LIMIT_PER_MINUTE = "60";
  process.env.CLEANUP_BATCH_MAX = "200";
  // A server of the run's own, supervised like `npm start`'s: it is killed
  // during the run, which the shared test server must never be.
  const own = await startOwnDatabase({ supervise: true, log: (message) => console.log(`[chaos] ${message}`) });
  process.env.DATABASE_URL = own.url;
  try {
    await runAndCheck(scenario, own);
  } finally {
    const { db } = await import("~/server/db");
    await db.$disconnect();
    await own.stop();
  }
}

async function runAndCheck(scenario: ChaosScenario, own: OwnDatabase): Promise<void> {
  const { runChaos } = await import("./run-chaos");
  const seed = chaosSeed();
  const durationS = Number(process.env.CHAOS_DURATION_S ?? scenario.durationS);
  console.log(`[chaos] seed ${seed} (replay with CHAOS_SEED=${seed}), ${durationS} s, ${scenario.users} users, ${scenario.workers} workers`);
  const report = await runChaos({
    seed, durationMs: durationS * 1000, users: scenario.users, workers: scenario.workers,
    jobTimeoutMs: scenario.jobTimeoutMs, log: (message) => console.log(`[chaos] ${message}`),
    databaseCrashes: { count: scenario.databaseCrashes, crash: () => process.kill(own.server.pid()!, "SIGKILL") },
  });
  console.log(`[chaos] report ${JSON.stringify(report, null, 1)}`);
  expect(report.problems, `seed ${seed}`).toEqual([]);
  expect(report.violations, `seed ${seed}`).toEqual([]);
  expect(report.credits.balances, `seed ${seed}`).toBe(report.credits.ledger);
  expect(report.jobs.PENDING ?? 0).toBe(0);
  expect(report.jobs.PROCESSING ?? 0).toBe(0);
  // The run must have exercised what it claims to: jobs, crashes, kills, terminations.
  const created = (report.jobs.COMPLETED ?? 0) + (report.jobs.FAILED ?? 0) + (report.jobs.CANCELLED ?? 0);
  expect(created).toBeGreaterThan(10);
  expect(report.faults.workersSpawned).toBeGreaterThan(scenario.workers);
  expect(report.faults.backendsTerminated).toBeGreaterThan(0);
  expect(report.faults.databaseCrashes).toBe(scenario.databaseCrashes);
  expect(own.server.restarts()).toBe(scenario.databaseCrashes);
  // And the budgets (invariant 14): refusals over a limit, limits moved both
  // ways, budgets ended and started, a month moved back for every fourth account.
  const budgetRefusals = Object.entries(report.failCodes).filter(([key]) => key.endsWith(":BUDGET_EXCEEDED"));
  expect(budgetRefusals.reduce((sum, [, count]) => sum + count, 0)).toBeGreaterThan(0);
  expect(report.budgets.raised + report.budgets.lowered).toBeGreaterThan(0);
  expect(report.budgets.spendRows).toBeGreaterThan(0);
  expect(report.budgets.jobsCounted).toBeGreaterThan(0);
  expect(report.budgets.periodMoves).toBe(Math.ceil(scenario.users / 4));
  // And the team (SPEC §9): members removed and invited back mid-run, a
  // removed member's creates refused, the members' creates accepted otherwise.
  expect(report.members.removed).toBeGreaterThan(0);
  expect(report.members.readded).toBeGreaterThan(0);
  expect(report.members.refusedWhileOut).toBeGreaterThan(0);
  expect(report.members.createdWhileIn).toBeGreaterThan(0);
}
