import "server-only";

import type { Db } from "~/server/db";
import { budgetsInPeriod, money, type BudgetInPeriod, type BudgetPeriod, type BudgetScope } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

/**
 * What the budgets page shows and does (SPEC §9) for a personal account:
 * the signed-in user owns their account, so they read and change its
 * budgets. Every function takes the account's id from the session and
 * finds rows through it: another user's budget or key is NOT_FOUND, never
 * revealed (the money core checks the same in `cw_set_budget` and
 * `cw_remove_budget`).
 */

/** The key an API_KEY budget limits, as its owner may see it (never the secret). */
export type BudgetKey = { id: string; name: string; prefix: string; revoked: boolean };

export type BudgetView = {
  id: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  limitCredits: number;
  timeZone: string;
  spentCredits: number;
  remainingCredits: number;
  /** When the current period ends; null for a TOTAL budget. */
  resetsAt: Date | null;
  /** The key of an API_KEY budget; null for the account's. */
  apiKey: BudgetKey | null;
  /** The member a MEMBER budget limits (a team's); null otherwise. */
  memberUserId: string | null;
};

export type BudgetsPage = {
  /** The account's own budget, if it has one. */
  account: BudgetView | null;
  /** One per key that has a live budget, revoked keys included (their budget can still be removed). */
  keys: BudgetView[];
  /** Live keys without a budget: the page offers to add one. */
  keysWithoutBudget: BudgetKey[];
  /** The members' own budgets (a team's, decision 0012 step 2), oldest first. */
  members: BudgetView[];
};

function viewOf(budget: BudgetInPeriod, key: BudgetKey | null): BudgetView {
  return {
    id: budget.id.toString(),
    scope: budget.scope,
    period: budget.period,
    limitCredits: budget.limitCredits,
    timeZone: budget.timeZone,
    spentCredits: budget.spentCredits,
    remainingCredits: Math.max(budget.limitCredits - budget.spentCredits, 0),
    resetsAt: budget.resetsAt,
    apiKey: key,
    memberUserId: budget.memberUserId,
  };
}

/**
 * The account's live budgets with their spending this period, and its live
 * keys that have none. Key budgets follow the API keys page's order
 * (newest key first).
 */
export async function listBudgets(client: Db, workspaceId: string): Promise<BudgetsPage> {
  const [budgets, keys] = await Promise.all([
    budgetsInPeriod(client, workspaceId),
    client.apiKey.findMany({
      where: { workspaceId },
      select: { id: true, name: true, prefix: true, revokedAt: true },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    }),
  ]);
  const keyViews = new Map(keys.map((key) => [key.id, { id: key.id, name: key.name, prefix: key.prefix, revoked: key.revokedAt !== null }]));
  const budgeted = new Set(budgets.map((budget) => budget.apiKeyId));
  const accountBudget = budgets.find((budget) => budget.scope === "ACCOUNT");
  const keyBudgets = keys
    .map((key) => budgets.find((budget) => budget.scope === "API_KEY" && budget.apiKeyId === key.id))
    .filter((budget) => budget !== undefined);
  return {
    account: accountBudget ? viewOf(accountBudget, null) : null,
    keys: keyBudgets.map((budget) => viewOf(budget, keyViews.get(budget.apiKeyId ?? "") ?? null)),
    keysWithoutBudget: keys.filter((key) => key.revokedAt === null && !budgeted.has(key.id)).map((key) => keyViews.get(key.id)!),
    members: budgets.filter((budget) => budget.scope === "MEMBER").map((budget) => viewOf(budget, null)),
  };
}

export type BudgetChange = {
  scope: BudgetScope;
  /** The key of an API_KEY budget (one of the account's live keys); absent for ACCOUNT. */
  apiKeyId?: string;
  /** The member of a MEMBER budget (one of the team's members). */
  memberUserId?: string;
  period: BudgetPeriod;
  limitCredits: number;
  timeZone: string;
};

/**
 * Sets the workspace's budget or one of its keys' (creating it if there is
 * none); `acting.actorUserId` is recorded as who changed it. A limit below this period's spending is a
 * VALIDATION_ERROR on `limitCredits`; another user's key, or a revoked
 * one, is NOT_FOUND (both from the money core).
 */
export async function setBudget(client: Db, acting: Acting, change: BudgetChange): Promise<{ id: string }> {
  const row = await money.setBudget(client, {
    workspaceId: acting.workspaceId,
    actorUserId: acting.actorUserId,
    scope: change.scope,
    apiKeyId: change.scope === "API_KEY" ? (change.apiKeyId ?? null) : null,
    memberUserId: change.scope === "MEMBER" ? (change.memberUserId ?? null) : null,
    period: change.period,
    limitCredits: change.limitCredits,
    timeZone: change.timeZone,
  });
  return { id: row.id.toString() };
}

/** Removes one of the workspace's live budgets; anyone else's, or one already removed, is NOT_FOUND. */
export async function removeBudget(client: Db, acting: Acting, budgetId: string): Promise<void> {
  await money.removeBudget(client, { ...acting, budgetId: BigInt(budgetId) });
}
