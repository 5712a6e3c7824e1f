import "server-only";

import { Prisma, type Db } from "~/server/db";
import { statementAlone } from "~/server/money/shapes";
import type { OutputWrite } from "~/server/money/types";

/**
 * Writes outputs of a running job with its progress (`cw_write_outputs`),
 * fenced by the lease: false when `workerId` no longer holds it (nothing
 * written). One SERIALIZABLE statement sent alone; an output index is
 * written once (unique, write-once).
 */
export async function writeOutputs(
  client: Db,
  write: { jobId: string; workerId: string; leaseMs: number; outputs: OutputWrite[] },
): Promise<boolean> {
  const { outputs } = write;
  const rows = await statementAlone<{ written: boolean }>(client, { label: "jobs.writeOutputs" }, Prisma.sql`
    SELECT cw_write_outputs(${write.jobId}::uuid, ${write.workerId}, ${write.leaseMs}::int,
      ${outputs.map((o) => o.index)}::int[], ${outputs.map((o) => o.ok)}::boolean[], ${outputs.map((o) => o.mimeType)}::text[],
      ${outputs.map((o) => o.content)}::text[], ${outputs.map((o) => o.error)}::text[]) AS written`);
  return rows[0]?.written === true;
}
