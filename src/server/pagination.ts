/** A page of rows and the cursor of the next one (null on the last page). */
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * Cursor pages are read with `take: limit + 1`: the extra row only says
 * whether another page exists and is never returned.
 */
export function toPage<T extends { id: string | bigint }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: hasMore && last ? String(last.id) : null };
}

/** The Prisma arguments of an id-cursor page, newest first. */
export function idCursorArgs(input: { cursor?: string; limit: number }) {
  return {
    orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  };
}
