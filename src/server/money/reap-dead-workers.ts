import "server-only";

import type { Db } from "~/server/db";

/**
 * Unlocks the queue rows held by worker pools whose heartbeat stopped
 * `staleMs` ago (`cw_reap_dead_workers`); answers how many. Touches no
 * account: one statement outside any money transaction.
 */
export async function reapDeadWorkers(client: Db, staleMs: number): Promise<number> {
  const rows = await client.$queryRaw<{ unlocked: number }[]>`SELECT cw_reap_dead_workers(${staleMs}::int) AS unlocked`;
  return rows[0]?.unlocked ?? 0;
}
