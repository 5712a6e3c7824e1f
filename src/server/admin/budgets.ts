import "server-only";

import type { Db } from "~/server/db";

/** At most this many budgets and changes are listed per account (removed budgets included). */
const budgetsMax = 50;
const budgetChangesMax = 50;

/** One budget as an admin sees it: what it limits, its limit, and what is spent of it in the current period. */
export type AdminBudget = {
  id: string;
  scope: "ACCOUNT" | "API_KEY" | "MEMBER";
  apiKey: { id: string; name: string; prefix: string; revokedAt: Date | null } | null;
  /** The member a MEMBER budget limits (a team's); null otherwise. */
  member: { id: string; email: string; name: string } | null;
  period: "MONTH" | "TOTAL";
  timeZone: string;
  limitCredits: number;
  /** Spent against it in the period that holds now (0 when nothing was). */
  spentCredits: number;
  /** When the current period ends; null for TOTAL. */
  resetsAt: Date | null;
  createdAt: Date;
  /** A removed budget limits nothing any more; its history stays. */
  removedAt: Date | null;
};

/** One entry of the budget_change history: who changed which budget, when, from what to what. */
export type AdminBudgetChange = {
  id: string;
  budgetId: string;
  action: string;
  actorUserId: string;
  actorEmail: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
};

type BudgetRow = {
  id: string; scope: AdminBudget["scope"]; period: AdminBudget["period"]; time_zone: string; limit_credits: number;
  spent: number; resets_at: Date | null; created_at: Date; removed_at: Date | null;
  api_key_id: string | null; key_name: string | null; key_prefix: string | null; key_revoked_at: Date | null;
  member_user_id: string | null; member_email: string | null; member_name: string | null;
};

/**
 * An account's budgets (a personal or a team workspace's), live ones first, each with what is spent of it in the
 * period that holds now. The period is the money core's own definition
 * (`budget_period_start`, a read-only function of the clock), so this
 * reads the very row `cw_budget_room` would check.
 */
export async function listWorkspaceBudgets(client: Db, workspaceId: string): Promise<AdminBudget[]> {
  const rows = await client.$queryRaw<BudgetRow[]>`
    SELECT b.id::text AS id, b.scope, b.period, b.time_zone, b.limit_credits, COALESCE(s.spent, 0) AS spent,
      budget_resets_at(b.period, b.time_zone, clock_timestamp()) AS resets_at, b.created_at, b.removed_at,
      b.api_key_id::text AS api_key_id, k.name AS key_name, k.prefix AS key_prefix, k.revoked_at AS key_revoked_at,
      b.member_user_id, m.email AS member_email, m.name AS member_name
    FROM budget b
    LEFT JOIN api_key k ON k.id = b.api_key_id
    LEFT JOIN "user" m ON m.id = b.member_user_id
    LEFT JOIN budget_spend s
      ON s.budget_id = b.id AND s.period_start = budget_period_start(b.period, b.time_zone, clock_timestamp())
    WHERE b.workspace_id = ${workspaceId}
    ORDER BY b.removed_at IS NOT NULL, b.id DESC
    LIMIT ${budgetsMax}`;
  return rows.map((row) => ({
    id: row.id,
    scope: row.scope,
    apiKey: row.api_key_id === null ? null : { id: row.api_key_id, name: row.key_name ?? "", prefix: row.key_prefix ?? "", revokedAt: row.key_revoked_at },
    member: row.member_user_id === null ? null : { id: row.member_user_id, email: row.member_email ?? "", name: row.member_name ?? "" },
    period: row.period,
    timeZone: row.time_zone,
    limitCredits: row.limit_credits,
    spentCredits: row.spent,
    resetsAt: row.resets_at,
    createdAt: row.created_at,
    removedAt: row.removed_at,
  }));
}

/** The history of an account's budgets (budget_change), newest first, with the email of who made each change. */
export async function listWorkspaceBudgetChanges(client: Db, workspaceId: string): Promise<AdminBudgetChange[]> {
  const changes = await client.budgetChange.findMany({
    where: { budget: { workspaceId } },
    orderBy: { id: "desc" },
    take: budgetChangesMax,
    select: { id: true, budgetId: true, action: true, actorUserId: true, before: true, after: true, createdAt: true },
  });
  const actors = await client.user.findMany({
    where: { id: { in: [...new Set(changes.map((change) => change.actorUserId))] } },
    select: { id: true, email: true },
  });
  const emailOf = new Map(actors.map((actor) => [actor.id, actor.email]));
  return changes.map((change) => ({
    ...change,
    id: change.id.toString(),
    budgetId: change.budgetId.toString(),
    actorEmail: emailOf.get(change.actorUserId) ?? null,
  }));
}
