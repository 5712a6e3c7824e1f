/**
 * The events a webhook endpoint may subscribe to (SPEC §8), shared by the
 * server (validation) and the settings page (checkboxes). The database
 * emits exactly these types: the triggers of migration
 * 20261130500000_webhooks, and cw_budget_charge (budget.threshold).
 */
export const webhookEventTypes = [
  "job.completed",
  "job.failed",
  "job.cancelled",
  "credits.low",
  "purchase.completed",
  "budget.threshold",
] as const;

export type WebhookEventType = (typeof webhookEventTypes)[number];

/** What each event means, in the words the settings page shows. */
export const webhookEventDescriptions: Record<WebhookEventType, string> = {
  "job.completed": "A job finished with at least one output.",
  "job.failed": "A job failed; undelivered outputs were refunded.",
  "job.cancelled": "A job was cancelled; undelivered outputs were refunded.",
  "credits.low": "A debit took your balance below your low-balance threshold.",
  "purchase.completed": "A credit purchase was added to your balance.",
  "budget.threshold": "Spending reached 80 % or 100 % of a budget (once per budget and period).",
};

/** credits.low fires below this many credits unless the user set a threshold. */
export const defaultLowBalanceThreshold = 20;
