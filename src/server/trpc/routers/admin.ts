import "server-only";

import { env } from "~/env.js";
import { adminProcedure, createTRPCRouter } from "~/server/trpc/procedures";
import { adjustCredits } from "~/server/admin/adjust-credits";
import { listAudit } from "~/server/admin/audit";
import { forceFailJob } from "~/server/admin/force-fail";
import { voidGrant } from "~/server/admin/void-grant";
import { getAdminJob, listAdminJobs } from "~/server/admin/jobs";
import {
  adjustCreditsInput,
  adminJobsInput,
  auditInput,
  forceFailInput,
  integrityInput,
  jobDetailInput,
  statsInput,
  userDetailInput,
  usersInput,
  voidGrantInput,
  workspaceDetailInput,
  workspacesInput,
} from "~/shared/schemas/admin";
import { getAdminStats, getAdminTimeseries } from "~/server/admin/stats";
import { getAdminUser, listUsers } from "~/server/admin/users";
import { getAdminWorkspace, listWorkspaces } from "~/server/admin/workspaces";
import { reportingDb } from "~/server/db";
import { runIntegrityChecks } from "~/server/integrity";
import { personalWorkspaceIdOf } from "~/server/workspaces/active-workspace";

const hourMs = 3_600_000;
const sinceHours = (hours: number) => new Date(Date.now() - hours * hourMs);

/** Every procedure here is admin-only: anyone else gets FORBIDDEN (SPEC §3.11). */
export const adminRouter = createTRPCRouter({
  /** KPIs over the last `hours`. */
  stats: adminProcedure.input(statsInput).query(({ ctx, input }) => getAdminStats(ctx.db, sinceHours(input.hours))),
  /** Jobs and credits per hour or day over the last `hours`, for the charts. */
  timeseries: adminProcedure
    .input(statsInput)
    .query(({ ctx, input }) => getAdminTimeseries(ctx.db, sinceHours(input.hours))),
  /** Users with balances, searchable by id, email or name. */
  users: adminProcedure.input(usersInput).query(({ ctx, input }) => listUsers(ctx.db, input)),
  /** One user: balance, recent jobs, recent ledger, admin actions on them. */
  user: adminProcedure.input(userDetailInput).query(({ ctx, input }) => getAdminUser(ctx.db, input.id)),
  /** Accounts (personal and teams), searchable by id, name or a member's email, with balances and owners. */
  workspaces: adminProcedure.input(workspacesInput).query(({ ctx, input }) => listWorkspaces(ctx.db, input)),
  /** One account: wallet, members, invitations, budgets, the audit of its changes, recent jobs and ledger. */
  workspace: adminProcedure.input(workspaceDetailInput).query(({ ctx, input }) => getAdminWorkspace(ctx.db, input.id)),
  /** Grant (positive) or deduct (negative) credits, once per idempotency key, audited. */
  adjustCredits: adminProcedure.input(adjustCreditsInput).mutation(async ({ ctx, input }) => {
    const { entry, replayed, status, grantId } = await adjustCredits(ctx.db, { ...input, adminId: ctx.user.id });
    return {
      replayed,
      status,
      grantId: grantId?.toString() ?? null,
      entry: entry ? { ...entry, id: entry.id.toString() } : null,
    };
  }),
  /** Voids what is left of a grant (an EXPIRE entry with the reason), audited. */
  voidGrant: adminProcedure.input(voidGrantInput).mutation(({ ctx, input }) =>
    voidGrant(ctx.db, { adminId: ctx.user.id, grantId: BigInt(input.grantId), reason: input.reason }),
  ),
  /** All users' jobs with filters, newest first. */
  jobs: adminProcedure.input(adminJobsInput).query(({ ctx, input }) => listAdminJobs(ctx.db, input)),
  /** One job's timeline, outputs, ledger entries and audit. */
  job: adminProcedure.input(jobDetailInput).query(({ ctx, input }) => getAdminJob(ctx.db, input.id)),
  /** Fails an active job and refunds it, exactly once, audited. */
  forceFail: adminProcedure
    .input(forceFailInput)
    .mutation(({ ctx, input }) =>
      forceFailJob(ctx.db, { adminId: ctx.user.id, jobId: input.id, reason: input.reason, goodwill: input.goodwill }),
    ),
  /** Runs the SPEC §3 checks now (optionally for one job or user). */
  integrity: adminProcedure
    .input(integrityInput)
    .query(({ input }) => runIntegrityChecks(reportingDb(), {
        jobId: input.jobId ?? null,
        workspaceId: input.userId ? personalWorkspaceIdOf(input.userId) : null,
        overdueGraceMs: env.CLEANUP_INTERVAL_MS,
      })),
  /** The audit trail of admin actions, newest first. */
  audit: adminProcedure.input(auditInput).query(({ ctx, input }) => listAudit(ctx.db, input)),
});
