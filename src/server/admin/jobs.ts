import "server-only";

import type { z } from "zod";

import { type Prisma, type Db } from "~/server/db";
import { AppError } from "~/server/errors";
import { withEmails } from "~/server/admin/audit";
import { ledgerSelect, withStringId } from "~/server/admin/rows";
import type { adminJobsInput } from "~/shared/schemas/admin";
import { idCursorArgs, toPage } from "~/server/pagination";
import { jobSelect } from "~/server/money";
import { personalWorkspaceIdOf } from "~/server/workspaces/active-workspace";

/** What an admin sees of a job: the user's view plus the worker-side fields. */
export const adminJobSelect = {
  ...jobSelect,
  leaseOwner: true,
  leaseExpiresAt: true,
  heartbeatAt: true,
  idempotencyKey: true,
  /** Who created it (decision 0012, step 1: the owner of its personal workspace). */
  actor: { select: { id: true, email: true, name: true } },
} satisfies Prisma.JobSelect;

const timelineEventsMax = 500;
const relatedRowsMax = 50;

/**
 * A page of jobs across all users, newest first, filtered by status, user
 * (exact id or part of an email), model and creation time. The filters map
 * onto the (status, created_at), (workspace_id, created_at) and (model_id,
 * created_at) indexes, so a page stays cheap on a table of millions.
 */
export async function listAdminJobs(client: Db, input: z.output<typeof adminJobsInput>) {
  const where: Prisma.JobWhereInput = {
    ...(input.status ? { status: input.status } : {}),
    ...(input.modelId ? { modelId: input.modelId } : {}),
    ...(input.from || input.to ? { createdAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) } } : {}),
    ...(input.user ? { workspaceId: { in: (await matchingUserIds(client, input.user)).map(personalWorkspaceIdOf) } } : {}),
  };
  const rows = await client.job.findMany({
    where,
    select: adminJobSelect,
    ...idCursorArgs(input),
  });
  return toPage(rows, input.limit);
}

const matchingUsersMax = 200;

/** An exact id wins; otherwise users whose email contains the text. */
async function matchingUserIds(client: Db, user: string): Promise<string[]> {
  const exact = await client.user.findUnique({ where: { id: user }, select: { id: true } });
  if (exact) return [exact.id];
  const users = await client.user.findMany({
    where: { email: { contains: user, mode: "insensitive" } },
    select: { id: true },
    take: matchingUsersMax,
  });
  return users.map((row) => row.id);
}

/**
 * One job with everything needed to explain it: its timeline (created,
 * claimed by which worker, heartbeats, outputs, settlement), its outputs
 * (without content), its ledger entries and the admin actions on it.
 */
export async function getAdminJob(client: Db, jobId: string) {
  const job = await client.job.findUnique({ where: { id: jobId }, select: adminJobSelect });
  if (!job) throw new AppError("NOT_FOUND", "No such job.");
  const [events, outputs, ledger, audit] = await Promise.all([
    client.jobEvent.findMany({
      where: { jobId },
      select: { id: true, type: true, workerId: true, data: true, createdAt: true },
      orderBy: { id: "asc" },
      take: timelineEventsMax,
    }),
    client.jobOutput.findMany({
      where: { jobId },
      select: { index: true, status: true, mimeType: true, error: true, workerId: true, createdAt: true },
      orderBy: { index: "asc" },
    }),
    client.ledgerEntry.findMany({
      where: { jobId },
      select: ledgerSelect,
      orderBy: { id: "asc" },
      take: relatedRowsMax,
    }),
    client.adminAudit.findMany({
      where: { targetJobId: jobId },
      orderBy: { id: "desc" },
      take: relatedRowsMax,
    }),
  ]);
  return {
    job,
    events: events.map((event) => ({ ...event, id: event.id.toString() })),
    outputs,
    ledger: ledger.map(withStringId),
    audit: await withEmails(client, audit),
  };
}
