import "server-only";

import { Prisma, type Db } from "~/server/db";
import { AppError, assert, type ExceededBudget } from "~/server/errors";
import { accountTransaction, statementAlone } from "~/server/money/shapes";

export type BudgetScope = "ACCOUNT" | "API_KEY" | "MEMBER";
export type BudgetPeriod = "MONTH" | "TOTAL";

/** A budget as `cw_set_budget` writes it. */
export type BudgetRow = {
  id: bigint;
  workspace_id: string;
  scope: BudgetScope;
  api_key_id: string | null;
  member_user_id: string | null;
  period: BudgetPeriod;
  limit_credits: number;
  time_zone: string;
};

export type BudgetSetting = {
  /** The account whose spending the budget limits. */
  workspaceId: string;
  /** Who changes it (written to budget_change). */
  actorUserId: string;
  scope: BudgetScope;
  /** The key an API_KEY budget limits; null for ACCOUNT. */
  apiKeyId: string | null;
  /** The member a MEMBER budget limits; null (or absent) for the other scopes. */
  memberUserId?: string | null;
  period: BudgetPeriod;
  limitCredits: number;
  /** IANA zone whose calendar months are the periods. */
  timeZone: string;
};

type SetOutcome = "SET" | "BELOW_SPENT" | "NO_KEY" | "NO_MEMBER" | "BAD_TIME_ZONE";

/**
 * Sets a budget's limit through `cw_set_budget` (SPEC §9), creating the
 * budget when the account has none of this scope (and key), in one
 * SERIALIZABLE transaction behind the account's other money transactions,
 * so no create can spend between the check and the change. A limit below
 * what was already spent this period is a VALIDATION_ERROR (invariant 14
 * holds when a limit moves); a new period or time zone starts a new budget.
 */
export async function setBudget(client: Db, setting: BudgetSetting): Promise<BudgetRow> {
  const row = await accountTransaction(client, { label: "budgets.set", accountId: setting.workspaceId }, async (tx) => {
    const [answer] = await tx.$queryRaw<{ outcome: SetOutcome; detail: number | null; b: BudgetRow | null }[]>`
      SELECT r.outcome, r.detail, to_jsonb(r.b) AS b
      FROM cw_set_budget(${setting.workspaceId}, ${setting.actorUserId}, ${setting.scope}::"BudgetScope",
        ${setting.apiKeyId}::uuid, ${setting.memberUserId ?? null}::text, ${setting.period}::"BudgetPeriod", ${setting.limitCredits}::int,
        ${setting.timeZone}) AS r`;
    return answer;
  });
  assert(row, "cw_set_budget answers one row");
  switch (row.outcome) {
    case "SET":
      assert(row.b, "a set budget is returned");
      return { ...row.b, id: BigInt(row.b.id) };
    case "BELOW_SPENT":
      throw new AppError("VALIDATION_ERROR", `${row.detail} credits were already spent this period: the limit cannot be lower.`, {
        fieldErrors: { limitCredits: [`At least ${row.detail} (already spent this period).`] },
      });
    case "NO_KEY":
      throw new AppError("NOT_FOUND", "No such API key.");
    case "NO_MEMBER":
      throw new AppError("NOT_FOUND", "No such member.");
    case "BAD_TIME_ZONE":
      throw new AppError("VALIDATION_ERROR", "Unknown time zone.", { fieldErrors: { timeZone: ["Choose a time zone from the list."] } });
  }
}

/**
 * Ends a live budget of the account (`cw_remove_budget`); what was spent
 * against it stays. Removing a budget that is already removed is done, not
 * an error; a budget of another account is NOT_FOUND.
 */
export async function removeBudget(client: Db, input: { workspaceId: string; actorUserId: string; budgetId: bigint }): Promise<void> {
  const outcome = await accountTransaction(client, { label: "budgets.remove", accountId: input.workspaceId }, async (tx) => {
    const [row] = await tx.$queryRaw<{ outcome: "REMOVED" | "NOT_FOUND" }[]>`
      SELECT cw_remove_budget(${input.workspaceId}, ${input.actorUserId}, ${input.budgetId}::bigint) AS outcome`;
    return row?.outcome;
  });
  if (outcome === "REMOVED") return;
  // Removing is idempotent: a budget of this account already removed (a
  // retry whose first answer was lost, or a second click) is done.
  const removed = await client.budget.findFirst({
    where: { id: input.budgetId, workspaceId: input.workspaceId, removedAt: { not: null } },
    select: { id: true },
  });
  if (!removed) throw new AppError("NOT_FOUND", "No such budget.");
}

const periodWords: Record<BudgetPeriod, string> = { MONTH: "monthly budget", TOTAL: "budget" };

/** The words for a budget in a message: "the account's monthly budget", "this API key's budget". */
export function budgetName(budget: Pick<ExceededBudget, "scope" | "period">): string {
  if (budget.scope === "MEMBER") return `your ${budget.period === "MONTH" ? "monthly member budget" : "member budget"}`;
  const owner = budget.scope === "API_KEY" ? "this API key's" : "the account's";
  return `${owner} ${periodWords[budget.period]}`;
}

/**
 * The BUDGET_EXCEEDED refusal of a request of `costCredits` (SPEC §4): which
 * budget, what is left and when it resets, in the message and in the details.
 */
export function budgetExceeded(budget: ExceededBudget, costCredits: number): AppError {
  const resetsAt = budget.resetsAt === null ? null : new Date(budget.resetsAt).toISOString();
  const resets = resetsAt === null ? "It does not reset." : `It resets on ${resetsAt.slice(0, 10)}.`;
  const message =
    `This job costs ${costCredits} credits and would go over ${budgetName(budget)}: ` +
    `${budget.remainingCredits} of ${budget.limitCredits} credits left. ${resets}`;
  return new AppError("BUDGET_EXCEEDED", message, { budget: { ...budget, resetsAt } });
}

/** A live budget with what was spent against it in the period that holds now. */
export type BudgetInPeriod = {
  id: bigint;
  scope: BudgetScope;
  apiKeyId: string | null;
  memberUserId: string | null;
  period: BudgetPeriod;
  limitCredits: number;
  timeZone: string;
  /** Charges less refunds of the jobs charged to it in this period. */
  spentCredits: number;
  /** When this period ends; null for TOTAL, which never resets. */
  resetsAt: Date | null;
};

/**
 * The account's live budgets, oldest first, each with its spending in the
 * current period as `cw_budget_room` counts it (the same period functions,
 * so the page and a refusal never disagree). A read, outside any money
 * transaction: a create may land just after it.
 */
export async function budgetsInPeriod(client: Db, workspaceId: string): Promise<BudgetInPeriod[]> {
  return client.$queryRaw<BudgetInPeriod[]>`
    SELECT b.id, b.scope::text AS scope, b.api_key_id::text AS "apiKeyId", b.member_user_id AS "memberUserId", b.period::text AS period,
           b.limit_credits AS "limitCredits", b.time_zone AS "timeZone", COALESCE(s.spent, 0)::int AS "spentCredits",
           budget_resets_at(b.period, b.time_zone, now()) AS "resetsAt"
    FROM budget b
    LEFT JOIN budget_spend s ON s.budget_id = b.id AND s.period_start = budget_period_start(b.period, b.time_zone, now())
    WHERE b.workspace_id = ${workspaceId} AND b.removed_at IS NULL
    ORDER BY b.id`;
}

/** How far ahead of a month's start the maintenance pass opens its spend rows. */
export const budgetPeriodOpenAheadHours = 24;

/**
 * Opens the spend rows of the periods starting within a day, and any
 * current period's row missing, for every live budget (`cw_open_budget_periods`):
 * the first creates of a month then only update their row (decision 0011).
 * One statement sent alone, of no account; answers how many rows it opened.
 */
export async function openBudgetPeriods(client: Db): Promise<number> {
  const rows = await statementAlone<{ opened: number }>(client, { label: "budgets.openPeriods" }, Prisma.sql`
    SELECT cw_open_budget_periods(make_interval(hours => ${budgetPeriodOpenAheadHours}::int)) AS opened`);
  return rows[0]?.opened ?? 0;
}
