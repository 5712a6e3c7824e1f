import "server-only";

import { jobId } from "~/shared/schemas/jobs";
import { getSessionUser } from "~/server/auth/auth";
import { db } from "~/server/db";
import { AppError, isAppError, type AppErrorCode } from "~/server/errors";
import { problemResponse, routeFailure } from "~/server/http/route-failure";
import { privateNoStore } from "~/server/http/same-origin";
import { zipStream } from "~/server/files/zip-stream";
import { outputsArchiveFor } from "~/server/jobs/outputs-archive";
import { ownJobsOf } from "~/server/workspaces/active-workspace";

export const dynamic = "force-dynamic";

function problem(code: AppErrorCode): Response {
  return problemResponse(new AppError(code));
}

/**
 * All delivered outputs of one of the signed-in user's jobs as one zip,
 * streamed. No session: 401. A job that is not the user's, or no job at
 * all (a malformed id included): 404, the same answer, so ids are not probed.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const user = await getSessionUser(request.headers);
    if (!user) return problem("UNAUTHORIZED");
    const id = jobId.safeParse((await params).id);
    if (!id.success) return problem("NOT_FOUND");
    // The session's workspace; a team's MEMBER reaches only their own jobs (SPEC §9).
    const archive = await outputsArchiveFor(db, user.workspace.id, id.data, ownJobsOf(user.workspace, user.id));
    return new Response(zipStream(archive.entries), {
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${archive.fileName}"`,
        "cache-control": privateNoStore,
      },
    });
  } catch (error) {
    // The code's own message only: another user's job and no job answer the same.
    if (isAppError(error) && error.code !== "CONFLICT_RETRY") return problem(error.code);
    return routeFailure(error, request);
  }
}
