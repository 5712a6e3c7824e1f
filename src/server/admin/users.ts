import type { Db } from "~/server/db";

/** Users matching a search (email or name), with balances, newest first. */
export async function listUsers(client: Db, input: { query?: string; cursor?: string; limit: number }) {
  const query = input.query?.trim();
  const rows = await client.user.findMany({
    where: query
      ? { OR: [{ email: { contains: query, mode: "insensitive" } }, { name: { contains: query, mode: "insensitive" } }] }
      : {},
    select: { id: true, email: true, name: true, role: true, balance: true, createdAt: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  });
  const hasMore = rows.length > input.limit;
  const items = hasMore ? rows.slice(0, input.limit) : rows;
  return { items, nextCursor: hasMore ? (items.at(-1)?.id ?? null) : null };
}
