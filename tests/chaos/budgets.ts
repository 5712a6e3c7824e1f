import type { SessionUser } from "~/server/auth/auth";
import { db } from "~/server/db";
import { money, type BudgetPeriod } from "~/server/money";
import { accountTransaction } from "~/server/money/shapes";

import type { History } from "./history";
import type { Random } from "./random";

/** A job costs 2 to 20 credits (1 to 4 outputs at 2, 3 or 5): a limit of a few jobs. */
const limitMin = 10;
const limitMax = 40;
const limitStepMax = 12;
/**
 * The owner's changes wait out a database crash (its restart takes seconds),
 * not only a killed connection: an outcome still unknown after this many
 * attempts is a problem (a CHECK violation, say, would fail every attempt).
 */
const attemptsMax = 40;
const retryDelayMs = 50;
const retryDelaySteps = 5;
/** Time zones whose month boundaries are at local midnight with no DST change there. */
const timeZones = ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"] as const;

/** One budgeted account: its time zone (every budget it gets uses it) and whether its spending moves a month back mid-run. */
export type BudgetPlan = { user: SessionUser; timeZone: string; movesPeriod: boolean };

/** What the budget client did, by outcome: the report's figures and the scenario's checks. */
export type BudgetCounts = {
  created: number;
  raised: number;
  lowered: number;
  /** A lower limit refused because more was already spent this period (VALIDATION_ERROR, expected). */
  lowerRefused: number;
  removed: number;
  /** Removes answered NOT_FOUND that had removed the budget (an attempt whose answer was lost, retried). */
  removedAnsweredNotFound: number;
  /** MONTH ↔ TOTAL: the old budget ends, a new one starts. */
  periodSwitched: number;
  /** Accounts whose spending was moved one month back (a simulated new month). */
  periodMoves: number;
  jobsMoved: number;
  spendRowsMoved: number;
};

export function emptyBudgetCounts(): BudgetCounts {
  return {
    created: 0, raised: 0, lowered: 0, lowerRefused: 0, removed: 0, removedAnsweredNotFound: 0, periodSwitched: 0, periodMoves: 0, jobsMoved: 0, spendRowsMoved: 0,
  };
}

/**
 * Picks every other account for a budget (an ACCOUNT budget, MONTH or TOTAL,
 * in a time zone of its own) and sets it; every other one of those (every
 * fourth account) starts with MONTH and has its month moved back mid-run.
 */
export async function setStartingBudgets(users: SessionUser[], rng: Random, counts: BudgetCounts): Promise<BudgetPlan[]> {
  const plans: BudgetPlan[] = [];
  for (const [index, user] of users.entries()) {
    if (index % 2 !== 0) continue;
    const plan = { user, timeZone: rng.pick(timeZones), movesPeriod: index % 4 === 0 };
    const period: BudgetPeriod = plan.movesPeriod || rng.chance(0.5) ? "MONTH" : "TOTAL";
    await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "ACCOUNT", apiKeyId: null, period, limitCredits: rng.int(limitMin, limitMax), timeZone: plan.timeZone,
    });
    counts.created++;
    plans.push(plan);
  }
  return plans;
}

/** The account's live ACCOUNT budget, read as the owner's page would before a change. */
async function liveBudget(userId: string) {
  const [row] = await db.$queryRaw<{ id: bigint; period: BudgetPeriod; limit_credits: number }[]>`
    SELECT id, period, limit_credits FROM budget WHERE workspace_id = ${userId} AND scope = 'ACCOUNT' AND removed_at IS NULL`;
  return row ?? null;
}

/**
 * The owner's hand on the budgets while the users spend: raise, lower (a
 * limit below what was spent is refused with VALIDATION_ERROR, an expected
 * outcome), switch MONTH ↔ TOTAL, remove and create again. Each change is
 * retried on an unknown outcome (a killed connection, the database crash);
 * a retried remove may find the budget already gone (NOT_FOUND), which is
 * accepted only when the budget is indeed removed.
 */
export async function runBudgetClient(plans: BudgetPlan[], rng: Random, history: History, counts: BudgetCounts, until: () => boolean) {
  while (!until() && plans.length > 0) {
    await new Promise((resolve) => setTimeout(resolve, rng.int(80, 300)));
    const plan = rng.pick(plans);
    const live = await liveBudget(plan.user.id).catch(() => undefined);
    if (live === undefined) continue; // The database is down: try again later.
    const roll = rng.next();
    const set = (op: string, period: BudgetPeriod, limitCredits: number) =>
      retried(history, op, () => money.setBudget(db, {
        workspaceId: plan.user.id, actorUserId: plan.user.id, scope: "ACCOUNT", apiKeyId: null, period, limitCredits, timeZone: plan.timeZone,
      }));
    if (!live) {
      const outcome = await set("budget-create", rng.chance(0.5) ? "MONTH" : "TOTAL", rng.int(limitMin, limitMax));
      if (outcome.ok) counts.created++;
      else history.problem(`creating a budget answered ${outcome.code}`);
    } else if (roll < 0.35) {
      const outcome = await set("budget-raise", live.period, live.limit_credits + rng.int(1, limitStepMax));
      if (outcome.ok) counts.raised++;
      else history.problem(`raising a budget answered ${outcome.code}`);
    } else if (roll < 0.7) {
      const limit = Math.max(0, live.limit_credits - rng.int(1, limitStepMax));
      const outcome = await set("budget-lower", live.period, limit);
      if (outcome.ok) counts.lowered++;
      else if (outcome.code === "VALIDATION_ERROR") counts.lowerRefused++;
      else history.problem(`lowering a budget answered ${outcome.code}`);
    } else if (roll < 0.85) {
      const outcome = await set("budget-switch-period", live.period === "MONTH" ? "TOTAL" : "MONTH", rng.int(limitMin, limitMax));
      if (outcome.ok) counts.periodSwitched++;
      else history.problem(`switching a budget's period answered ${outcome.code}`);
    } else {
      const outcome = await retried(history, "budget-remove", () =>
        money.removeBudget(db, { workspaceId: plan.user.id, actorUserId: plan.user.id, budgetId: live.id }));
      if (outcome.ok) counts.removed++;
      else if (outcome.code === "NOT_FOUND" && (await isRemoved(live.id))) counts.removedAnsweredNotFound++;
      else history.problem(`removing a budget answered ${outcome.code}`);
    }
  }
}

/**
 * Whether the budget is gone. A remove whose commit's answer was lost is
 * run again, by this client or by the money door's own retry (withRetries
 * retries a dropped connection), and then answers NOT_FOUND for the budget
 * it removed; only this client removes budgets, so a removed budget after a
 * NOT_FOUND is that remove's own doing.
 */
async function isRemoved(budgetId: bigint): Promise<boolean> {
  const [row] = await db.$queryRaw<{ removed: boolean }[]>`SELECT removed_at IS NOT NULL AS removed FROM budget WHERE id = ${budgetId}`;
  return row?.removed === true;
}

/** Runs one change, again with the same arguments while its outcome is unknown (at most `attemptsMax` times). */
export async function retried<T>(history: History, op: string, work: () => Promise<T>) {
  let afterUnknown = false;
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const result = await history.run("owner", op, undefined, work);
    if (result.ok || !result.unknown) return { ...result, afterUnknown };
    afterUnknown = true;
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * Math.min(attempt + 1, retryDelaySteps)));
  }
  return { ok: false as const, code: "UNKNOWN", unknown: true, afterUnknown };
}

/**
 * Mid-run, the accounts that plan it cross a month boundary the only way a
 * run can: the state the database would be in had their running jobs been
 * created last month (the move tests/invariants/14-budgets.test.ts makes).
 * In one transaction behind the account's lock (as the money functions take
 * it), the account's PENDING and PROCESSING jobs move one month back in its
 * time zone, and what they were counted for moves with them from this
 * month's spend row of each MONTH budget to a row of last month (at this
 * month's limit). Finished jobs stay where they are (a terminal job's row
 * is final, SPEC §3.5), and the ledger is not touched. It moves nothing
 * when the account already has jobs last month, so a retry after an unknown
 * outcome cannot move twice. From then on the moved jobs are refunded into
 * last month's period, while new creates count in this month's.
 */
export async function movePeriodsBack(plans: BudgetPlan[], history: History, counts: BudgetCounts): Promise<void> {
  for (const plan of plans.filter((candidate) => candidate.movesPeriod)) {
    const outcome = await retried(history, "period-move", () => movePeriodBack(plan));
    if (!outcome.ok) {
      history.problem(`moving ${plan.user.id}'s month back answered ${outcome.code}`);
      continue;
    }
    if (outcome.value === null) continue;
    counts.periodMoves++;
    counts.jobsMoved += outcome.value.jobs;
    counts.spendRowsMoved += outcome.value.spendRows;
  }
}

async function movePeriodBack(plan: BudgetPlan): Promise<{ jobs: number; spendRows: number } | null> {
  const { user, timeZone } = plan;
  return accountTransaction(db, { label: "chaos.period-move", accountId: user.id }, async (tx) => {
    const [moved] = await tx.$queryRaw<{ already: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM job WHERE workspace_id = ${user.id}
        AND created_at < budget_period_start('MONTH', ${timeZone}, clock_timestamp())) AS already`;
    if (moved?.already) return null;
    // What the running jobs were counted for, per MONTH budget of this month (read before they move).
    const shares = await tx.$queryRaw<{ budget_id: bigint; amount: number }[]>`
      SELECT b.id AS budget_id, sum(j.total_cost)::int AS amount
      FROM job j CROSS JOIN LATERAL unnest(j.budget_ids) AS u(budget_id) JOIN budget b ON b.id = u.budget_id
      WHERE j.workspace_id = ${user.id} AND j.status IN ('PENDING', 'PROCESSING') AND b.period = 'MONTH'
      GROUP BY b.id ORDER BY b.id`;
    const jobs = await tx.$executeRaw`
      UPDATE job SET created_at = ((created_at AT TIME ZONE ${timeZone}) - interval '1 month') AT TIME ZONE ${timeZone}
      WHERE workspace_id = ${user.id} AND status IN ('PENDING', 'PROCESSING')`;
    for (const share of shares) {
      await tx.$executeRaw`
        WITH this_month AS (
          UPDATE budget_spend SET spent = spent - ${share.amount}::int
          WHERE budget_id = ${share.budget_id} AND period_start = budget_period_start('MONTH', ${timeZone}, clock_timestamp())
          RETURNING budget_id, period_start, limit_credits)
        INSERT INTO budget_spend (budget_id, period_start, limit_credits, spent)
        SELECT budget_id, budget_period_start('MONTH', ${timeZone}, period_start - interval '1 day'), limit_credits, ${share.amount}::int
        FROM this_month`;
    }
    return { jobs, spendRows: shares.length };
  });
}
