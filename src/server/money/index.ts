/**
 * The money door: the only way TypeScript reaches the money core, the SQL
 * functions of prisma/sql/functions (one file each, today's definition).
 * Nothing else in src names a `cw_*` function. One typed function per
 * call; each declares its transaction shape (./shapes.ts), and no caller
 * chooses it:
 *
 * | operation               | SQL function                  | shape                                   | why                                                    |
 * |-------------------------|-------------------------------|-----------------------------------------|--------------------------------------------------------|
 * | createJob               | cw_create_job                 | statement alone                         | charge, job and queue entry are one call               |
 * | createJobCommitting     | cw_create_job                 | account transaction                     | the REST API's stored response commits with the job    |
 * | claimJobs               | cw_claim_jobs                 | statement alone, no account             | job rows only (up to 16 of any accounts), no credit moves |
 * | writeOutputs            | cw_write_outputs              | statement alone                         | outputs and progress, fenced by the lease              |
 * | finishJobs              | cw_finish_jobs                | statement alone, its accounts (0009)    | up to 16 finishes that deliver everything: no credit moves |
 * | finishJob               | cw_finish_job                 | alone if it refunds nothing, else account transaction | a refund reads and writes the ledger beside cleanups |
 * | settleJob               | cw_settle_job                 | account transaction                     | an admin's audit row commits with it                   |
 * | cleanupAccount          | cw_cleanup_account            | statement alone                         | the whole account pass is one call                     |
 * | reapDeadWorkers         | cw_reap_dead_workers          | one statement, no account               | unlocks queue rows only                                |
 * | releaseLeases           | cw_release_leases             | statement alone, no account             | a stopping pool's jobs, of any account, requeued       |
 * | moveCredits             | cw_move_credits               | account transaction                     | audit rows, a checkout's completion commit with it     |
 * | voidGrant               | cw_void_grant                 | account transaction                     | the audit row commits with it                          |
 * | enqueueWebhookDelivery  | cw_enqueue_webhook_delivery   | the caller's transaction                | the queue entry commits with the delivery row          |
 * | lockAccount             | (the account row lock)        | the caller's transaction                | orders an account deletion against its money           |
 * | setBudget, removeBudget | cw_set_budget, cw_remove_budget | account transaction                   | a limit moves behind the account's creates (§3.14)     |
 * | openBudgetPeriods       | cw_open_budget_periods        | statement alone, no account             | next month's spend rows, of every budget, before it starts |
 * | budgetsInPeriod         | budget_period_start, budget_resets_at | a read, no transaction    | the budgets page counts periods as a refusal does      |
 *
 * Every shape is SERIALIZABLE (SPEC §2), asserted again by each function
 * (`cw_assert_serializable`), retried whole inside the server, and queued
 * behind the account's other money transactions of this process.
 */
import "server-only";

import { openBudgetPeriods, removeBudget, setBudget } from "~/server/money/budgets";
import { cleanupAccount } from "~/server/money/cleanup-account";
import { claimJobs } from "~/server/money/claim-jobs";
import { createJob, createJobCommitting } from "~/server/money/create-job";
import { enqueueWebhookDelivery } from "~/server/money/enqueue-webhook-delivery";
import { finishJob } from "~/server/money/finish-job";
import { finishJobs } from "~/server/money/finish-jobs";
import { lockAccount } from "~/server/money/lock-account";
import { moveCredits, moveOrScheduleCredits } from "~/server/money/move-credits";
import { reapDeadWorkers } from "~/server/money/reap-dead-workers";
import { releaseLeases } from "~/server/money/release-leases";
import { settleJob } from "~/server/money/settle-job";
import { voidGrant } from "~/server/money/void-grant";
import { writeOutputs } from "~/server/money/write-outputs";

export const money = {
  createJob,
  createJobCommitting,
  claimJobs,
  writeOutputs,
  finishJob,
  finishJobs,
  settleJob,
  cleanupAccount,
  reapDeadWorkers,
  releaseLeases,
  moveCredits,
  moveOrScheduleCredits,
  voidGrant,
  enqueueWebhookDelivery,
  lockAccount,
  setBudget,
  removeBudget,
  openBudgetPeriods,
};

export { budgetName, budgetsInPeriod, type BudgetInPeriod, type BudgetPeriod, type BudgetRow, type BudgetScope, type BudgetSetting } from "~/server/money/budgets";
export type { AccountCleanup } from "~/server/money/cleanup-account";
export type { ClaimedJob } from "~/server/money/claim-jobs";
export type { CreatedJob, JobCharge } from "~/server/money/create-job";
/** The per-minute limit's window (read by the limits query; kept by `cw_create_job`). */
export { rateWindowSeconds } from "~/server/money/create-job";
export type { FinishedJob, JobFinish } from "~/server/money/finish-job";
export type { DeliveringFinish, DeliveringFinishOutcome } from "~/server/money/finish-jobs";
export { jobSelect, jobStatuses, type JobStatus, type JobView } from "~/server/money/job-view";
export type { LockedAccount } from "~/server/money/lock-account";
export type { CreditMovementInput, CreditMovementResult, GrantTerms, ScheduledGrantResult } from "~/server/money/move-credits";
export type { FinalStatus, SettleGuard, SettleHooks, SettleInput, Settlement } from "~/server/money/settle-job";
export { jobsPerCallMax, type Actor, type GrantCategory, type LedgerEntryRow, type LedgerKind, type OutputWrite } from "~/server/money/types";
export type { VoidGrantResult } from "~/server/money/void-grant";
