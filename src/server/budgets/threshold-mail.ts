import "server-only";

import { z } from "zod";

import { env } from "~/env.js";
import type { Db } from "~/server/db";
import { logger } from "~/server/logger";
import { sendMail } from "~/server/mail/send";
import { budgetThresholdMail } from "~/server/mail/templates";

/**
 * What `cw_budget_charge` queues (task `budget-threshold-mail`, job key
 * `budget-threshold:<budget>:<period>:<threshold>`): one mail per budget,
 * period and threshold crossed.
 */
export const budgetThresholdPayload = z.object({
  budgetId: z.string().regex(/^\d+$/),
  periodStart: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "an ISO 8601 instant"),
  threshold: z.union([z.literal(80), z.literal(100)]),
});

export type BudgetThresholdOutcome = "SENT" | "NO_BUDGET" | "NO_SPEND" | "NO_OWNER";

type NamedBudget = {
  scope: string;
  period: string;
  apiKey: { name: string } | null;
  memberUser: { name: string } | null;
  workspace: { kind: string; name: string };
};

/**
 * "Your monthly budget", "The total budget of your API key “deploy”"; in a
 * team, whose owners read it: "The monthly budget of Acme", "… of Acme's API
 * key “deploy”", "The monthly budget of Ada in Acme".
 */
function nameOf(budget: NamedBudget): string {
  const kind = budget.period === "MONTH" ? "monthly budget" : "total budget";
  const keyName = `“${budget.apiKey?.name ?? "(deleted)"}”`;
  if (budget.workspace.kind === "TEAM") {
    const team = budget.workspace.name;
    if (budget.scope === "MEMBER") return `The ${kind} of ${budget.memberUser?.name ?? "a member"} in ${team}`;
    return budget.scope === "API_KEY" ? `The ${kind} of ${team}'s API key ${keyName}` : `The ${kind} of ${team}`;
  }
  return budget.scope === "API_KEY" ? `The ${kind} of your API key ${keyName}` : `Your ${kind}`;
}

/** The first day (YYYY-MM-DD) of the calendar month after the one `periodStart` begins, in `timeZone`. */
export function nextMonthStartOn(periodStart: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" }).formatToParts(periodStart);
  const year = Number(parts.find((part) => part.type === "year")!.value);
  const month = Number(parts.find((part) => part.type === "month")!.value);
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return `${next.year}-${String(next.month).padStart(2, "0")}-01`;
}

/**
 * Mails the account's owners (SPEC §9: every OWNER of a team; a personal
 * account's one) that a budget crossed a threshold, with what is spent of
 * it now (its spend row for that period) and a link to the budgets page. At
 * least once: the queue retries a failed send (every owner again), and a
 * retry after a send whose completion was lost mails again. A budget that
 * was removed (or whose owners are all gone) finishes without a mail.
 */
export async function sendBudgetThresholdMail(client: Db, payload: unknown): Promise<BudgetThresholdOutcome> {
  const { budgetId, periodStart, threshold } = budgetThresholdPayload.parse(payload);
  const budget = await client.budget.findUnique({
    where: { id: BigInt(budgetId) },
    select: {
      scope: true, period: true, timeZone: true, removedAt: true,
      apiKey: { select: { name: true } },
      memberUser: { select: { name: true } },
      workspace: {
        select: {
          kind: true, name: true,
          members: { where: { role: "OWNER", user: { deletedAt: null } }, orderBy: { createdAt: "asc" }, select: { user: { select: { email: true, name: true } } } },
        },
      },
    },
  });
  if (!budget || budget.removedAt) return finished("NO_BUDGET", budgetId);
  const owners = budget.workspace.members.map((member) => member.user);
  if (owners.length === 0) return finished("NO_OWNER", budgetId);
  const start = new Date(periodStart);
  const spend = await client.budgetSpend.findUnique({
    where: { budgetId_periodStart: { budgetId: BigInt(budgetId), periodStart: start } },
    select: { spent: true, limitCredits: true },
  });
  if (!spend) return finished("NO_SPEND", budgetId);
  const facts = {
    budgetName: nameOf(budget),
    threshold,
    spentCredits: spend.spent,
    limitCredits: spend.limitCredits,
    resetsOn: budget.period === "MONTH" ? nextMonthStartOn(start, budget.timeZone) : null,
  };
  for (const owner of owners) await sendMail(budgetThresholdMail(owner.email, owner.name, facts, `${env.APP_URL}/settings/budgets`));
  return "SENT";
}

function finished(outcome: Exclude<BudgetThresholdOutcome, "SENT">, budgetId: string): BudgetThresholdOutcome {
  logger.info({ budgetId, outcome }, "budget threshold mail not sent");
  return outcome;
}
