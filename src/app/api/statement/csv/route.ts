import "server-only";

import { getSessionUser } from "~/server/auth/auth";
import { db } from "~/server/db";
import { AppError, type AppErrorCode } from "~/server/errors";
import { problemResponse, routeFailure } from "~/server/http/route-failure";
import { privateNoStore } from "~/server/http/same-origin";
import { statementCsv, statementCsvFileName } from "~/server/wallet/statement-csv";
import { logger } from "~/server/logger";
import { canSeeStatement } from "~/server/workspaces/teams";
import { statementFilterInput } from "~/shared/statement-filter";

export const dynamic = "force-dynamic";

function problem(code: AppErrorCode, fieldErrors?: Record<string, string[]>): Response {
  return problemResponse(new AppError(code, undefined, fieldErrors ? { fieldErrors } : {}));
}

/**
 * The signed-in user's ledger as CSV, filtered like the statement
 * (`?from=YYYY-MM-DD&to=YYYY-MM-DD&kind=PURCHASE&kind=…`), streamed as an
 * attachment. Only the session's own entries; no session: 401.
 */
export async function GET(request: Request) {
  try {
    return await exportStatement(request);
  } catch (error) {
    return routeFailure(error, request);
  }
}

async function exportStatement(request: Request): Promise<Response> {
  const user = await getSessionUser(request.headers);
  if (!user) return problem("UNAUTHORIZED");
  const params = new URL(request.url).searchParams;
  const kinds = params.getAll("kind");
  const parsed = statementFilterInput.safeParse({
    from: params.get("from") || undefined,
    to: params.get("to") || undefined,
    kinds: kinds.length > 0 ? kinds : undefined,
  });
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "_")] ??= []).push(issue.message);
    return problem("VALIDATION_ERROR", fieldErrors);
  }
  // The session's workspace, whose statement its role may read (SPEC §9).
  if (!(await canSeeStatement(db, user.workspace))) return problem("FORBIDDEN");
  const lines = statementCsv(db, user.workspace.id, parsed.data);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        logger.error({ err: error, userId: user.id }, "statement export failed");
        controller.error(error);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${statementCsvFileName(parsed.data)}"`,
      "cache-control": privateNoStore,
    },
  });
}
