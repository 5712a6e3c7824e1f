import type { ExceededBudget } from "~/server/errors";
import { pluralCredits } from "~/lib/format";

/**
 * The words the browser uses for budgets (SPEC §9): the generate form's
 * BUDGET_EXCEEDED notice and the budgets page say the same things.
 */

/** Where an owner changes budgets. */
export const budgetsPath = "/settings/budgets";

/**
 * "the account's monthly budget", "this API key's budget" (what the
 * server's `budgetName` says too); in a team, "the team's" and a member's
 * own "your monthly budget".
 */
export function budgetLabel(budget: Pick<ExceededBudget, "scope" | "period">, workspaceKind: "PERSONAL" | "TEAM" = "PERSONAL"): string {
  const owner = budget.scope === "API_KEY" ? "this API key's" : budget.scope === "MEMBER" ? "your" : workspaceKind === "TEAM" ? "the team's" : "the account's";
  return `${owner} ${budget.period === "MONTH" ? "monthly budget" : "budget"}`;
}

/** "0 of 4 credits left". */
export function creditsLeft(budget: Pick<ExceededBudget, "remainingCredits" | "limitCredits">): string {
  return `${budget.remainingCredits.toLocaleString("en-US")} of ${pluralCredits(budget.limitCredits)} left`;
}

/**
 * When a budget resets, in the reader's locale: "Jan 1, 2027, 12:00 AM UTC",
 * in `timeZone` when the budget's own zone is known (its months are that
 * zone's), else the browser's; null for a TOTAL budget, which never resets.
 */
export function formatResetsAt(resetsAt: Date | string | null, timeZone?: string, locale?: string): string | null {
  if (resetsAt === null) return null;
  const format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
  const zone = new Intl.DateTimeFormat(locale, { timeZoneName: "short", timeZone }).formatToParts(new Date(resetsAt)).find((part) => part.type === "timeZoneName");
  const when = format.format(new Date(resetsAt));
  return zone ? `${when} ${zone.value}` : when;
}
