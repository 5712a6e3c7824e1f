/**
 * The names of the queue's tasks, in one place: the SQL functions that
 * enqueue them (prisma/sql/functions) use the same names, and the worker
 * (./worker.ts) maps each to its handler.
 */

/**
 * The graphile-worker task that runs one generation job. Jobs are enqueued
 * inside the SQL functions that create or requeue them (cw_create_job,
 * cw_cleanup_account, cw_release_leases), in the same transaction: the
 * queue row commits or rolls back with the charge and the job, so there is
 * no window in which a paid job has no queue entry. A duplicate delivery is
 * harmless: the worker's claim only takes a PENDING job.
 */
export const runJobTask = "run-job";

/**
 * The task that runs one auto top-up. Enqueued by the ledger's trigger
 * `cw_auto_topup_on_debit` in the transaction of the debit that crossed the
 * threshold (job key `auto-topup:<topup id>`); `runAutoTopup` is idempotent.
 */
export const autoTopupTask = "auto-topup";

/**
 * The graphile-worker task that makes one attempt of one delivery. Its jobs
 * are added by SQL (cw_enqueue_webhook_delivery) in the transaction that
 * wrote the event, by a failed attempt for the next one, and by a resend;
 * the job key `webhook-delivery:<id>` keeps one waiting job per delivery.
 */
export const deliverWebhookTask = "deliver-webhook";

/**
 * The task that mails an account's owner that a budget crossed 80 % or 100 %
 * of its limit (SPEC §9). Enqueued by `cw_budget_charge` in the transaction
 * of the charge that crossed it, with the job key
 * `budget-threshold:<budget>:<period start>:<threshold>` (once per budget,
 * period and threshold); payload `{ budgetId, periodStart, threshold }`.
 */
export const budgetThresholdMailTask = "budget-threshold-mail";
