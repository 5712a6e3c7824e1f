import "server-only";

import { z } from "zod";

import { env } from "~/env.js";
import type { Db } from "~/server/db";
import { logger } from "~/server/logger";
import { sendMail } from "~/server/mail/send";
import { budgetThresholdMail } from "~/server/mail/templates";
import { ownerOf, ownerSelect } from "~/server/workspaces/owner";

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

/** "Your monthly budget", "The total budget of your API key “deploy”", "The monthly budget of Ada (a member)". */
function nameOf(budget: { scope: string; period: string; apiKey: { name: string } | null; memberUser: { name: string } | null }): string {
  const kind = budget.period === "MONTH" ? "monthly budget" : "total budget";
  if (budget.scope === "MEMBER") return `The ${kind} of ${budget.memberUser?.name ?? "a member"} (a member)`;
  return budget.scope === "API_KEY" ? `The ${kind} of your API key “${budget.apiKey?.name ?? "(deleted)"}”` : `Your ${kind}`;
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
 * Mails the account's owner that a budget crossed a threshold, with what is
 * spent of it now (its spend row for that period) and a link to the budgets
 * page. At least once: the queue retries a failed send, and a retry after a
 * send whose completion was lost mails again. A budget that was removed
 * (or whose owner is gone) finishes without a mail.
 */
export async function sendBudgetThresholdMail(client: Db, payload: unknown): Promise<BudgetThresholdOutcome> {
  const { budgetId, periodStart, threshold } = budgetThresholdPayload.parse(payload);
  const budget = await client.budget.findUnique({
    where: { id: BigInt(budgetId) },
    select: {
      scope: true, period: true, timeZone: true, removedAt: true,
      apiKey: { select: { name: true } },
      memberUser: { select: { name: true } },
      workspace: { select: ownerSelect({ email: true, name: true, deletedAt: true }) },
    },
  });
  if (!budget || budget.removedAt) return finished("NO_BUDGET", budgetId);
  const owner = ownerOf(budget.workspace);
  if (owner.deletedAt) return finished("NO_OWNER", budgetId);
  const start = new Date(periodStart);
  const spend = await client.budgetSpend.findUnique({
    where: { budgetId_periodStart: { budgetId: BigInt(budgetId), periodStart: start } },
    select: { spent: true, limitCredits: true },
  });
  if (!spend) return finished("NO_SPEND", budgetId);
  const mail = budgetThresholdMail(owner.email, owner.name, {
    budgetName: nameOf(budget),
    threshold,
    spentCredits: spend.spent,
    limitCredits: spend.limitCredits,
    resetsOn: budget.period === "MONTH" ? nextMonthStartOn(start, budget.timeZone) : null,
  }, `${env.APP_URL}/settings/budgets`);
  await sendMail(mail);
  return "SENT";
}

function finished(outcome: Exclude<BudgetThresholdOutcome, "SENT">, budgetId: string): BudgetThresholdOutcome {
  logger.info({ budgetId, outcome }, "budget threshold mail not sent");
  return outcome;
}
