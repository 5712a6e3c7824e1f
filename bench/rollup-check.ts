import type { Violation } from "../tests/chaos/invariants";

import { benchSecrets } from "./server";

/** A full recount at 1M jobs takes seconds per period: minutes of timeout, not the app's 10 s. */
const recountTimeoutMs = 300_000;

/**
 * The admin roll-ups' invariant, checked after every scenario next to SPEC
 * §3: the dashboard's KPIs and charts over 1 h, 24 h, 7 d and 30 d equal a
 * full recount of the jobs and ledger (one snapshot), and every closed
 * hour's roll-up equals a recount of its facts (the integrity check
 * admin-rollups-match-facts). Returns what disagrees, as violations.
 */
export async function rollupViolations(databaseUrl: string, log: (message: string) => void): Promise<Violation[]> {
  // The app's modules validate the environment when imported.
  process.env.DATABASE_URL = databaseUrl;
  process.env.BETTER_AUTH_SECRET ??= benchSecrets.BETTER_AUTH_SECRET;
  process.env.LOG_LEVEL ??= "warn";
  const { createDb } = await import("../src/server/db");
  const { timeoutsFromEnv } = await import("../src/server/database/pool-config");
  const { compareRollupsWithRecount } = await import("../tests/fixtures/stats-recount");
  const { integrityChecks, violationsQuery } = await import("../src/server/integrity/checks");
  const client = createDb(databaseUrl, 2, {
    ...timeoutsFromEnv(),
    statementTimeoutMs: recountTimeoutMs,
    queryTimeoutMs: recountTimeoutMs + 5_000,
    idleInTransactionTimeoutMs: recountTimeoutMs,
  });
  const startedAt = performance.now();
  try {
    const violations: Violation[] = [];
    const disagreements = await compareRollupsWithRecount(client);
    if (disagreements.length > 0) {
      violations.push({ invariant: "admin roll-ups: stats and charts = a full recount", rows: disagreements.slice(0, 2) });
    }
    const check = integrityChecks.find((candidate) => candidate.id === "admin-rollups-match-facts")!;
    const rows = await client.$queryRaw<unknown[]>(violationsQuery(check.query({ workspaceId: null, jobId: null }, { overdueGraceMs: 0 }), 5));
    if (rows.length > 0) violations.push({ invariant: "admin roll-ups: every closed hour = a recount of its facts", rows });
    const hours = await client.adminRollupHour.count();
    log(`roll-ups: ${hours} closed hours; 4 periods and every closed hour checked against a full recount in ${Math.round(performance.now() - startedAt)} ms`);
    return violations;
  } finally {
    await client.$disconnect();
  }
}
