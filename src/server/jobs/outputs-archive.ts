import "server-only";

import { extensionOf, isBase64Stored, jobFilePrefix, outputBytes, outputFileName } from "~/shared/output-files";
import type { Db } from "~/server/db";
import type { ZipEntry } from "~/server/files/zip-stream";
import { getJobForUser } from "~/server/jobs/queries";

export type OutputsArchive = { fileName: string; entries: ZipEntry[] };

/**
 * The files of one of the user's own jobs, for a zip download: every
 * delivered output under the same name as its single download, plus
 * `job.json` (model, prompt, status, which outputs are in the archive).
 * Another user's job, or none, is NOT_FOUND (the same lookup as `jobs.get`),
 * so the archive never tells whether a job id exists.
 */
export async function outputsArchiveFor(client: Db, workspaceId: string, jobId: string, actorUserId: string | null = null): Promise<OutputsArchive> {
  const job = await getJobForUser(client, workspaceId, jobId, actorUserId);
  const delivered = job.outputs.filter((output) => output.status === "COMPLETED");
  const entries: ZipEntry[] = delivered.map((output) => ({
    name: outputFileName(job.id, output.index, extensionOf(output.mimeType)),
    bytes: outputBytes(output),
    compressed: isBase64Stored(output.mimeType),
    modifiedAt: output.createdAt,
  }));
  const manifest = {
    id: job.id,
    modelId: job.modelId,
    prompt: job.prompt,
    status: job.status,
    outputsRequested: job.outputsRequested,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    files: entries.map((entry) => entry.name),
  };
  entries.push({
    name: "job.json",
    bytes: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
    modifiedAt: job.finishedAt ?? job.createdAt,
  });
  return { fileName: `${jobFilePrefix(job.id)}-outputs.zip`, entries };
}
