import "server-only";

import { Prisma, type PrismaClient } from "~/generated/prisma/client";
import {
  integrityChecks,
  violationsQuery,
  type IntegrityScope,
  type IntegrityViolation,
  type ViolationRow,
} from "~/server/integrity/checks";

export { integrityChecks, type IntegrityScope, type IntegrityViolation } from "~/server/integrity/checks";

export type IntegrityCheckResult = {
  id: string;
  title: string;
  invariant: string;
  /** How many rows break the invariant (all of them, not only those listed). */
  violationCount: number;
  /** The first `violationsMax` of them. */
  violations: IntegrityViolation[];
  durationMs: number;
};

export type IntegrityReport = {
  ok: boolean;
  checkedAt: Date;
  durationMs: number;
  scope: IntegrityScope;
  checks: IntegrityCheckResult[];
};

export type IntegrityOptions = {
  /** Only this workspace's wallet and jobs. */
  workspaceId?: string | null;
  /** Only this job (and its owner's account). */
  jobId?: string | null;
  /** Violations listed per check; the count is always complete. */
  violationsMax?: number;
  /** A job may be active this long after its deadline (one cleanup interval). */
  overdueGraceMs?: number;
};

const violationsMaxDefault = 50;
/** The default grace: one cleanup interval of the default schedule. */
const cleanupIntervalMs = 60_000;
const checkTimeoutMs = 300_000;
const checkWorkMem = "128MB";

/**
 * Runs every check of SPEC §3 in one read-only REPEATABLE READ transaction,
 * so the report describes a single snapshot: a job and its charge, written
 * in one transaction, are both seen or neither is. Writes nothing. `ok` is
 * true exactly when no check found a violation.
 */
export async function runIntegrityChecks(client: PrismaClient, options: IntegrityOptions = {}): Promise<IntegrityReport> {
  const startedAt = performance.now();
  const limit = options.violationsMax ?? violationsMaxDefault;
  const overdueGraceMs = options.overdueGraceMs ?? cleanupIntervalMs;
  const checks = await client.$transaction(
    async (tx) => {
      await tx.$executeRaw`SET TRANSACTION READ ONLY`;
      // The whole-database checks aggregate a million rows per job or user;
      // enough memory keeps those hash aggregates off the disk. Local to
      // this read-only transaction.
      await tx.$executeRaw`SELECT set_config('work_mem', ${checkWorkMem}, true)`;
      const scope = await resolveScope(tx, options);
      const results: IntegrityCheckResult[] = [];
      for (const check of integrityChecks) {
        const checkStartedAt = performance.now();
        const rows = await tx.$queryRaw<ViolationRow[]>(violationsQuery(check.query(scope, { overdueGraceMs }), limit));
        results.push({
          id: check.id,
          title: check.title,
          invariant: check.invariant,
          violationCount: rows[0]?.total ?? 0,
          violations: rows.map(({ total: _total, ...violation }) => violation),
          durationMs: Math.round(performance.now() - checkStartedAt),
        });
      }
      return { scope, results };
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, timeout: checkTimeoutMs, maxWait: 10_000 },
  );
  return {
    ok: checks.results.every((check) => check.violationCount === 0),
    checkedAt: new Date(),
    durationMs: Math.round(performance.now() - startedAt),
    scope: checks.scope,
    checks: checks.results,
  };
}

/** A job scope also covers its owner's account, where its credits moved. */
async function resolveScope(tx: Prisma.TransactionClient, options: IntegrityOptions): Promise<IntegrityScope> {
  const jobId = options.jobId ?? null;
  if (jobId === null) return { workspaceId: options.workspaceId ?? null, jobId: null };
  const rows = await tx.$queryRaw<{ workspaceId: string }[]>`SELECT workspace_id AS "workspaceId" FROM job WHERE id = ${jobId}::uuid`;
  return { workspaceId: rows[0]?.workspaceId ?? options.workspaceId ?? null, jobId };
}

/** A one-line-per-violation text report, for the CLI and logs. */
export function formatIntegrityReport(report: IntegrityReport): string {
  const lines = [`Integrity checks (${report.durationMs} ms): ${report.ok ? "OK" : "VIOLATIONS FOUND"}`];
  for (const check of report.checks) {
    const mark = check.violationCount === 0 ? "ok  " : "FAIL";
    lines.push(`  ${mark} ${check.title} [${check.id}, ${check.invariant}] ${check.violationCount} violation(s), ${check.durationMs} ms`);
    for (const violation of check.violations) {
      const ids = [
        violation.workspaceId ? `workspace=${violation.workspaceId}` : null,
        violation.jobId ? `job=${violation.jobId}` : null,
        violation.entryId ? `entry=${violation.entryId}` : null,
      ].filter(Boolean);
      lines.push(`         ${ids.join(" ")}: ${violation.message}`);
    }
    if (check.violationCount > check.violations.length) {
      lines.push(`         … and ${check.violationCount - check.violations.length} more`);
    }
  }
  return lines.join("\n");
}
