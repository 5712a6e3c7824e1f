import { randomUUID } from "node:crypto";

import type { SessionUser } from "~/server/auth/auth";
import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { runCleanup } from "~/server/jobs/cleanup";

import { emptyBudgetCounts, movePeriodsBack, runBudgetClient, setStartingBudgets, type BudgetCounts } from "./budgets";
import { emptyFaultCounts, terminateOneBackend, WorkerPool, type FaultCounts } from "./faults";
import { History } from "./history";
import { budgetFigures, creditTotals, findViolations, type BudgetFigures, type Violation } from "./invariants";
import { createTeamPlan, emptyMemberCounts, MembershipTimeline, runMembershipClient, teamStartingCredits, type MemberCounts } from "./members";
import { seededRandom, type Random } from "./random";
import { Model, runAdminClient, runUserClient } from "./workload";
import { money } from "~/server/money";

export type ChaosOptions = {
  seed: number;
  durationMs: number;
  users: number;
  workers: number;
  /** How long jobs may run: the drain waits at most this plus a margin. */
  jobTimeoutMs: number;
  /**
   * Kills the database server (SIGKILL) this many times, evenly spread over
   * the run; its supervisor must bring it back with nobody's help.
   */
  databaseCrashes?: { count: number; crash: () => void };
  log?: (message: string) => void;
};

export type ChaosReport = {
  seed: number;
  ops: ReturnType<History["counts"]>;
  /** Why refused operations were refused (typed codes), and how often. */
  failCodes: Record<string, number>;
  faults: FaultCounts;
  jobs: Record<string, number>;
  problems: string[];
  violations: Violation[];
  credits: { balances: number; ledger: number; granted: number };
  reads: number;
  /** What the owner's client changed, and invariant 14's figures over every budget and period at the end. */
  budgets: BudgetCounts & BudgetFigures;
  /** The team's removals and re-adds, and its members' creates judged against them. */
  members: MemberCounts;
};

const startingBalanceMax = 400;
const drainMarginMs = 20_000;
const drainPollMs = 250;
/** When the planned accounts' month moves back, as a fraction of the run (away from a lone database crash at 1/2). */
const periodMoveAt = 0.4;

/**
 * The bank-style chaos run: user clients and an admin hammer the real
 * procedures while worker processes crash at planned points, are killed
 * from outside, database backends are terminated and the cleanup runs
 * concurrently with itself, and an owner changes the budgets of half the
 * accounts (and moves some accounts' month back). Then the faults stop,
 * every job is driven to a terminal state, and the history and the
 * database are checked.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error("DATABASE_URL is not set");
  const history = new History();
  const model = new Model();
  const counts = emptyFaultCounts();
  const { users, admin, granted } = await createAccounts(options, seededRandom(options.seed));
  const budgetCounts = emptyBudgetCounts();
  const plans = await setStartingBudgets(users, seededRandom(options.seed ^ 0xb0d6), budgetCounts);
  for (const plan of plans) model.budgetedUsers.add(plan.user.id);
  // Every third account is also a member of one team, spending its credits from a second client.
  const team = await createTeamPlan(options.seed, users.filter((_, index) => index % 3 === 1));
  const timeline = new MembershipTimeline(team.members, Date.now());
  model.membership = timeline;
  const memberCounts = emptyMemberCounts();
  const workers = new WorkerPool(options.workers, workerEnv(), seededRandom(options.seed ^ 0x5eed), counts);
  workers.start();
  const endAt = Date.now() + options.durationMs;
  const until = () => Date.now() >= endAt;
  const faultRng = seededRandom(options.seed ^ 0xfa17);
  await Promise.all([
    ...users.map((user, index) => runUserClient(user, seededRandom(options.seed + 1_000 + index), history, model, until)),
    ...team.members.map((member, index) =>
      runUserClient({ ...member, workspace: team.memberWorkspace }, seededRandom(options.seed + 2_000 + index), history, model, until)),
    runMembershipClient(team, timeline, seededRandom(options.seed + 997), history, memberCounts, until),
    runAdminClient(admin, users, seededRandom(options.seed + 999), history, model, until),
    runBudgetClient(plans, seededRandom(options.seed + 998), history, budgetCounts, until),
    new Promise((resolve) => setTimeout(resolve, options.durationMs * periodMoveAt)).then(() => movePeriodsBack(plans, history, budgetCounts)),
    injectFaults(databaseUrl, workers, faultRng, counts, until),
    crashDatabase(options, counts),
  ]);
  log(`load done: ${history.ops.length} history entries; draining`);
  workers.calm();
  const drained = await drain(options, counts);
  await sweepAfterLastExpiry(counts);
  await workers.stop();
  if (!drained) history.problem(`jobs still active ${options.jobTimeoutMs + drainMarginMs} ms after the load stopped`);
  await checkAgainstDatabase(history, model);
  timeline.check(history, memberCounts, Date.now());
  const totals = await creditTotals(databaseUrl);
  const grantedByAdmin = [...model.grantsByKey.values()].reduce((sum, grant) => sum + grant.amount, 0);
  if (totals.ledger !== totals.balances) history.problem(`credits: balances ${totals.balances} ≠ ledger ${totals.ledger}`);
  return {
    seed: options.seed,
    ops: history.counts(),
    failCodes: history.failCodes(),
    faults: counts,
    jobs: await jobsByStatus(),
    problems: history.problems,
    violations: await findViolations(databaseUrl, { quiet: true }),
    credits: { ...totals, granted: granted + teamStartingCredits + grantedByAdmin },
    reads: model.readsDone,
    budgets: { ...budgetCounts, ...(await budgetFigures(databaseUrl)) },
    members: memberCounts,
  };
}

async function createAccounts(options: ChaosOptions, rng: Random) {
  const users: SessionUser[] = [];
  let granted = 0;
  for (let index = 0; index < options.users; index++) {
    const user = await db.user.create({
      // Verified: a team's invitation is accepted only by a verified address.
      data: { id: randomUUID(), email: `chaos-${options.seed}-${index}@example.test`, name: `Chaos ${index}`, emailVerified: true },
      select: { id: true, email: true, name: true, role: true },
    });
    const balance = rng.int(10, startingBalanceMax);
    await money.moveCredits(db, {
      workspaceId: user.id, amount: balance, kind: "GRANT", actor: { type: "SYSTEM", id: "chaos" },
      reason: "Chaos starting credits", idempotencyKey: `chaos:${user.id}`,
    });
    granted += balance;
    users.push(user);
  }
  const admin = await db.user.create({
    data: { id: randomUUID(), email: `chaos-admin-${options.seed}@example.test`, name: "Chaos admin", role: "ADMIN" },
    select: { id: true, email: true, name: true, role: true },
  });
  return { users, admin, granted };
}

function workerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_POOL_MAX: "8",
    WORKER_CONCURRENCY: "4",
    SANDBOX_LATENCY_MS: process.env.CHAOS_SANDBOX_LATENCY_MS ?? "25",
    LOG_LEVEL: "silent",
  };
}

/** The fault schedule: every tick draws one fault from the seeded stream. */
async function injectFaults(databaseUrl: string, workers: WorkerPool, rng: Random, counts: FaultCounts, until: () => boolean) {
  const config = jobsConfigFromEnv();
  while (!until()) {
    await new Promise((resolve) => setTimeout(resolve, rng.int(150, 600)));
    const roll = rng.next();
    if (roll < 0.2) {
      workers.killOne();
    } else if (roll < 0.6) {
      const calls = rng.int(2, 6);
      counts.cleanupCalls += calls;
      const results = await Promise.allSettled(Array.from({ length: calls }, () => runCleanup(db, config)));
      counts.cleanupErrors += results.filter((result) => result.status === "rejected").length;
    } else {
      await terminateOneBackend(databaseUrl, rng, counts).catch(() => {});
    }
  }
}

/** SIGKILLs the database server at evenly spaced moments of the run. */
async function crashDatabase(options: ChaosOptions, counts: FaultCounts): Promise<void> {
  const plan = options.databaseCrashes;
  if (!plan || plan.count === 0) return;
  const spacingMs = options.durationMs / (plan.count + 1);
  for (let crash = 1; crash <= plan.count; crash++) {
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
    plan.crash();
    counts.databaseCrashes++;
  }
}

/** Runs the cleanup until no job is active (the workers finish the rest). */
async function drain(options: ChaosOptions, counts: FaultCounts): Promise<boolean> {
  const config = jobsConfigFromEnv();
  const giveUpAt = Date.now() + options.jobTimeoutMs + drainMarginMs;
  while (Date.now() < giveUpAt) {
    counts.cleanupCalls++;
    await runCleanup(db, config).catch(() => counts.cleanupErrors++);
    const active = await db.job.count({ where: { status: { in: ["PENDING", "PROCESSING"] } } });
    if (active === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, drainPollMs));
  }
  return false;
}

/**
 * The workload's grants expire up to seconds after the load stops: wait for
 * the last open one to pass its expiry, then sweep once more, so that SPEC
 * §3.12's "after a sweep no open grant is past its expiry" can be checked.
 */
async function sweepAfterLastExpiry(counts: FaultCounts) {
  const [last] = await db.$queryRaw<{ at: Date | null }[]>`
    SELECT max(expires_at) AS at FROM credit_grant WHERE closed_at IS NULL AND expires_at IS NOT NULL`;
  const waitMs = last?.at ? last.at.getTime() - Date.now() + 50 : 0;
  if (waitMs > 0 && waitMs < 30_000) await new Promise((resolve) => setTimeout(resolve, waitMs));
  counts.cleanupCalls++;
  await runCleanup(db, jobsConfigFromEnv()).catch(() => counts.cleanupErrors++);
}

/** No invented jobs, no lost ones, one admin entry per applied grant key. */
async function checkAgainstDatabase(history: History, model: Model) {
  const jobs = await db.job.findMany({ select: { id: true, workspaceId: true, idempotencyKey: true } });
  const byId = new Set(jobs.map((job) => job.id));
  for (const job of jobs) {
    if (!model.keysSent.has(`${job.workspaceId}:${job.idempotencyKey}`)) history.problem(`job ${job.id} has a key no client sent`);
  }
  for (const [slot, job] of model.jobsByKey) {
    if (!byId.has(job.id)) history.problem(`job ${job.id} (${slot}) was acknowledged but is not in the database`);
  }
  const adminEntries = await db.ledgerEntry.count({ where: { actorType: "ADMIN" } });
  if (adminEntries !== model.grantsByKey.size) {
    history.problem(`${adminEntries} admin ledger entries for ${model.grantsByKey.size} acknowledged grant keys`);
  }
}

async function jobsByStatus(): Promise<Record<string, number>> {
  const groups = await db.job.groupBy({ by: ["status"], _count: true });
  return Object.fromEntries(groups.map((group) => [group.status, group._count]));
}
