import type { z } from "zod";

import type { Db, Prisma } from "~/server/db";
import type { auditInput } from "~/server/admin/schemas";
import { withStringId } from "~/server/admin/jobs";

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
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const people = await client.user.findMany({
    where: { id: { in: [...new Set(page.flatMap((row) => [row.adminId, row.targetUserId ?? []].flat()))] } },
    select: { id: true, email: true },
  });
  const emailOf = new Map(people.map((person) => [person.id, person.email]));
  const items = page.map((row) => ({
    ...withStringId(row),
    adminEmail: emailOf.get(row.adminId) ?? null,
    targetUserEmail: row.targetUserId ? (emailOf.get(row.targetUserId) ?? null) : null,
  }));
  return { items, nextCursor: hasMore ? (items.at(-1)?.id ?? null) : null };
}
