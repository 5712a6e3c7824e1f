import "server-only";

import { Prisma, type Db } from "~/server/db";
import { statementAlone } from "~/server/money/shapes";

/**
 * Requeues the jobs a stopping worker pool still holds, keeping their
 * outputs (`cw_release_leases`): a graceful release is not a failed attempt,
 * so the attempt is given back (the deadline still bounds a job whose
 * workers keep restarting). One SERIALIZABLE statement sent alone (the
 * jobs may belong to many accounts; no credit moves). Answers how many.
 */
export async function releaseLeases(client: Db, workerId: string): Promise<number> {
  const rows = await statementAlone<{ released: number }>(client, { label: "worker.release" },
    Prisma.sql`SELECT cw_release_leases(${workerId}, 'worker shutdown') AS released`);
  return rows[0]?.released ?? 0;
}
