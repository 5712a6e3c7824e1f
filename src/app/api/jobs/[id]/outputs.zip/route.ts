import "server-only";

import { jobId } from "~/shared/schemas/jobs";
import { getSessionUser } from "~/server/auth/auth";
import { db } from "~/server/db";
import { appErrors, isAppError } from "~/server/errors";
import { zipStream } from "~/server/files/zip-stream";
import { outputsArchiveFor } from "~/server/jobs/outputs-archive";
import { logger } from "~/server/logger";

export const dynamic = "force-dynamic";

function problem(code: keyof typeof appErrors): Response {
  return Response.json({ code, message: appErrors[code].message }, { status: appErrors[code].http, headers: { "cache-control": "no-store" } });
}

/**
 * All delivered outputs of one of the signed-in user's jobs as one zip,
 * streamed. No session: 401. A job that is not the user's, or no job at
 * all (a malformed id included): 404, the same answer, so ids are not probed.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await getSessionUser(request.headers);
  if (!user) return problem("UNAUTHORIZED");
  const id = jobId.safeParse((await params).id);
  if (!id.success) return problem("NOT_FOUND");
  try {
    const archive = await outputsArchiveFor(db, user.id, id.data);
    return new Response(zipStream(archive.entries), {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${archive.fileName}"`,
        "cache-control": "private, no-store",
      },
    });
  } catch (error) {
    if (isAppError(error)) return problem(error.code);
    logger.error({ err: error, jobId: id.data, userId: user.id }, "outputs archive failed");
    return problem("INTERNAL");
  }
}
