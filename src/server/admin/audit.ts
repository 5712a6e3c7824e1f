import "server-only";

import type { z } from "zod";

import type { Db, Prisma } from "~/server/db";
import type { auditInput } from "~/shared/schemas/admin";
import { withStringId } from "~/server/admin/rows";
import { toPage } from "~/server/pagination";

/**
 * The audit trail of admin actions, newest first: who (with their email),
 * what, when, on whom, why, and the state before and after.
 */
export async function listAudit(client: Db, input: z.output<typeof auditInput>) {
  const where: Prisma.AdminAuditWhereInput = {
    ...(input.action ? { action: input.action } : {}),
    ...(input.targetUserId ? { targetUserId: input.targetUserId } : {}),
    ...(input.targetJobId ? { targetJobId: input.targetJobId } : {}),
    ...(input.cursor ? { id: { lt: BigInt(input.cursor) } } : {}),
  };
  const rows = await client.adminAudit.findMany({ where, orderBy: { id: "desc" }, take: input.limit + 1 });
  const page = toPage(rows, input.limit);
  return { items: await withEmails(client, page.items), nextCursor: page.nextCursor };
}

type AuditRow = Awaited<ReturnType<Db["adminAudit"]["findMany"]>>[number];

/** Audit rows for the client: string ids, and the emails of the admin and the target user. */
export async function withEmails(client: Db, rows: AuditRow[]) {
  const ids = new Set(rows.flatMap((row) => (row.targetUserId ? [row.adminId, row.targetUserId] : [row.adminId])));
  const people = await client.user.findMany({ where: { id: { in: [...ids] } }, select: { id: true, email: true } });
  const emailOf = new Map(people.map((person) => [person.id, person.email]));
  return rows.map((row) => ({
    ...withStringId(row),
    adminEmail: emailOf.get(row.adminId) ?? null,
    targetUserEmail: row.targetUserId ? (emailOf.get(row.targetUserId) ?? null) : null,
  }));
}
