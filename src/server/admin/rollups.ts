import "server-only";

import type { Db } from "~/server/db";
import { logger } from "~/server/logger";

/**
 * The admin dashboard's hourly roll-ups (tables admin_rollup_*, functions in
 * migration 20261130200000_admin_rollups). An hour closes once its facts can
 * no longer change — every job created in it terminal, every transaction
 * that could still add a ledger entry or a job to it finished, two minutes
 * past — and its roll-up rows are then written once. Nothing on the money
 * path writes them: the cron route, the admin reads and the metrics scrape
 * call the refresh, each bounded, all safe to run at once.
 */

/** Hours one refresh may close: bounded work per call (newest first). */
export const rollupHoursPerRefreshMax = 48;
/** Hours a lazy refresh from an admin read may close: it holds up a page. */
export const lazyRollupHoursMax = 12;
/** A process refreshes lazily at most this often. */
const lazyRefreshIntervalMs = 60_000;

/**
 * Closes up to `hoursMax` hours whose facts are final and writes their
 * roll-ups; returns how many it closed. `asOf` (tests) makes the refresh act
 * as if the clock read that time: no hour ending after it minus the margin
 * closes.
 */
export async function refreshAdminRollups(client: Db, options: { hoursMax?: number; asOf?: Date } = {}): Promise<number> {
  const hoursMax = options.hoursMax ?? rollupHoursPerRefreshMax;
  const rows = options.asOf
    ? await client.$queryRaw<{ closed: number }[]>`SELECT admin_rollup_refresh(${hoursMax}::int, ${options.asOf}::timestamptz) AS closed`
    : await client.$queryRaw<{ closed: number }[]>`SELECT admin_rollup_refresh(${hoursMax}::int) AS closed`;
  return rows[0]?.closed ?? 0;
}

/** Refreshes until nothing is left to close (or `passesMax` calls); returns the hours closed. */
export async function refreshAdminRollupsFully(client: Db, options: { asOf?: Date; passesMax?: number } = {}): Promise<number> {
  const passesMax = options.passesMax ?? 1_000;
  let total = 0;
  for (let pass = 0; pass < passesMax; pass++) {
    const closed = await refreshAdminRollups(client, { asOf: options.asOf });
    total += closed;
    if (closed === 0) break;
  }
  return total;
}

/**
 * Reopens the hours overlapping [from, to) so the next refresh recomputes
 * them: for a bulk load or a restore that wrote facts with past dates (the
 * only way a closed hour's facts can change). Returns the hours reopened.
 */
export async function resetAdminRollups(client: Db, from: Date, to: Date): Promise<number> {
  const rows = await client.$queryRaw<{ reopened: number }[]>`
    SELECT admin_rollup_reset(${from}::timestamptz, ${to}::timestamptz) AS reopened`;
  return rows[0]?.reopened ?? 0;
}

const globalForRollups = globalThis as unknown as { creditworksRollupsRefreshedAt?: number };

/**
 * A small refresh at most once a minute per process, started by the admin
 * reads and the metrics scrape so the roll-ups keep up without a scheduler,
 * and never waited for: the read that started it answers at once (the
 * stats are exact either way: hours not rolled up yet are read from the
 * facts). A failure is logged and ignored.
 */
export function refreshAdminRollupsLazily(client: Db): void {
  const now = Date.now();
  if (now - (globalForRollups.creditworksRollupsRefreshedAt ?? 0) < lazyRefreshIntervalMs) return;
  globalForRollups.creditworksRollupsRefreshedAt = now;
  refreshAdminRollups(client, { hoursMax: lazyRollupHoursMax }).catch((error: unknown) => {
    logger.warn({ err: error }, "admin roll-up refresh failed; the stats read the facts instead");
  });
}
