import "server-only";

import { z } from "zod";

import {
  jobId,
  restCreateJobBody,
  restIdempotencyKey,
  restLedgerQuery,
  restListJobsQuery,
  type ApiKeyScope,
} from "~/shared/schemas/jobs";
import type { ApiPrincipal } from "~/server/api-keys/keys";
import type { JobsConfig } from "~/server/config";
import type { Db } from "~/server/db";
import type { JobView } from "~/server/money";
import { assert } from "~/server/errors";
import { cancelJob } from "~/server/jobs/cancel";
import { createJobCommitting } from "~/server/jobs/create";
import { getJobForUser, listJobsForUser } from "~/server/jobs/queries";
import { getCreditSummary, getLedgerPage } from "~/server/wallet/statement";
import {
  findStoredResponse,
  jobKeyOfRestKey,
  replayOf,
  requestFingerprint,
  storeResponse,
  type StoredResponse,
} from "~/server/rest/idempotency";
import { parseOrProblem, RestProblem } from "~/server/rest/problem";
import { ownJobsOf } from "~/server/workspaces/active-workspace";
import { assertCanSeeStatement } from "~/server/workspaces/teams";
import { balanceResource, ledgerPageResource } from "~/server/rest/resources";

export type RestDeps = { db: Db; config: () => JobsConfig };

/** What a route handler gets: the key's user, the path parameters, query, body and headers. */
export type RouteContext = {
  deps: RestDeps;
  principal: ApiPrincipal;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body (undefined when the request had none). */
  body: unknown;
  idempotencyKeyHeader: string | undefined;
};

/** An answer: `body` is sent as JSON, or `text` as it is (a stored response's very bytes). */
export type RestResponse = { status: number; headers?: Record<string, string> } & ({ body: unknown } | { text: string });

export type Route = {
  method: "GET" | "POST";
  /** Under /api/v1; `{name}` segments are path parameters. */
  path: string;
  scope: ApiKeyScope;
  /** Whether the request carries a JSON body: required, optional (`{}` or nothing) or none. */
  body: "required" | "optional" | "none";
  handle: (context: RouteContext) => Promise<RestResponse>;
};

/** JSON-safe form of a domain value (dates as ISO strings): exactly what goes on the wire. */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * A job as the REST API's Job resource has it: `userId` names the job's
 * wallet, as it did before workspaces (decision 0012, step 1: a personal
 * workspace's id is its user's), in the same place among the fields.
 */
function jobResourceOf<J extends Pick<JobView, "id" | "workspaceId">>(job: J) {
  const { id, workspaceId, ...rest } = job;
  return { id, userId: workspaceId, ...rest };
}

function jobPageOf(page: { items: JobView[]; nextCursor: string | null }) {
  return { items: page.items.map(jobResourceOf), nextCursor: page.nextCursor };
}

/** The stored response again: its status, headers and body bytes, marked as a replay. */
function replayed(stored: StoredResponse): RestResponse {
  return { status: stored.statusCode, text: stored.text, headers: { ...stored.headers, "idempotent-replayed": "true" } };
}

/** What POST /jobs answers for a job it created: the job, and where to find it. */
function createdResponse(job: JobView): Omit<StoredResponse, "fingerprint"> {
  return { statusCode: 201, text: JSON.stringify(jobResourceOf(job)), headers: { location: `/api/v1/jobs/${job.id}` } };
}

/** The request's Idempotency-Key, validated; null when it sent none. */
function optionalIdempotencyKey(context: RouteContext): string | null {
  if (context.idempotencyKeyHeader === undefined) return null;
  const parsed = restIdempotencyKey.safeParse(context.idempotencyKeyHeader);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? "Not a valid Idempotency-Key.";
  throw new RestProblem(400, "VALIDATION_ERROR", message, { fieldErrors: { "Idempotency-Key": [message] } });
}

/** The request's Idempotency-Key, which it must send (400 otherwise). */
function requiredIdempotencyKey(context: RouteContext): string {
  const key = optionalIdempotencyKey(context);
  if (key !== null) return key;
  throw new RestProblem(400, "VALIDATION_ERROR", "This request needs an Idempotency-Key header (a fresh UUID per intent).", {
    fieldErrors: { "Idempotency-Key": ["Required."] },
  });
}

const jobParams = z.object({ id: jobId });

/**
 * The ledger query of a request whose key may read the statement: a team's
 * ledger is for its owners and admins, and its members only where the team
 * allows it (SPEC §9), FORBIDDEN otherwise.
 */
async function readableLedgerQuery(db: Db, principal: ApiPrincipal, query: Record<string, string>) {
  await assertCanSeeStatement(db, principal.workspace);
  return parseOrProblem(restLedgerQuery, query, "query");
}

/**
 * POST /jobs. The stored response of a created job is inserted by
 * createJob's `afterCreate`, in the transaction that charges it, so a job
 * never exists without the response its key replays. A concurrent
 * duplicate queues behind the first (the account's transaction queue and
 * the workspace row lock), finds the job as a domain replay, and is answered
 * with the stored response the first committed.
 */
async function createJobRoute(context: RouteContext): Promise<RestResponse> {
  const { db, config } = context.deps;
  const { workspace, actorUserId } = context.principal;
  const acting = { workspaceId: workspace.id, actorUserId };
  const key = requiredIdempotencyKey(context);
  const input = parseOrProblem(restCreateJobBody, context.body, "request body");
  const fingerprint = requestFingerprint("POST", "/jobs", input);
  const stored = await findStoredResponse(db, acting, key);
  if (stored) return replayed(replayOf(stored, fingerprint));

  // The response is built once, stored in the transaction that charges the
  // job, and sent as stored: the original and its replays are the same bytes.
  const committed: { response?: Omit<StoredResponse, "fingerprint"> } = {};
  const result = await createJobCommitting(db, acting, { idempotencyKey: jobKeyOfRestKey(key), ...input, apiKeyId: context.principal.keyId }, config(), async (tx, created) => {
    const response = createdResponse(created.job);
    const stored = await storeResponse(tx, { acting, key, fingerprint, ...response });
    // A live stored response would name a job of this key, which the domain would have replayed.
    assert(stored, "a newly created job's key has no live stored response");
    committed.response = response;
  });
  if (!result.replayed) {
    assert(committed.response, "a created job's response was stored with it");
    return { status: committed.response.statusCode, text: committed.response.text, headers: committed.response.headers };
  }
  const storedByFirst = await findStoredResponse(db, acting, key);
  if (storedByFirst) return replayed(replayOf(storedByFirst, fingerprint));
  // The stored response expired (after a day at least) but the job keeps its
  // key forever: the domain matched the same request, so answer the job as
  // it is now, still marked as a replay.
  return { status: 200, body: wire(jobResourceOf(result.job)), headers: { "idempotent-replayed": "true" } };
}

/**
 * POST /jobs/{id}/cancel, idempotent when an Idempotency-Key is sent: the
 * 200 is stored after the cancel committed (cancelJob has no hook), so a
 * crash in between leaves a retry answered 409 JOB_NOT_CANCELLABLE, which
 * is also true.
 */
async function cancelJobRoute(context: RouteContext): Promise<RestResponse> {
  const { db } = context.deps;
  const { workspace, actorUserId } = context.principal;
  const acting = { workspaceId: workspace.id, actorUserId };
  const { id } = parseOrProblem(jobParams, context.params, "job id");
  parseOrProblem(z.object({}).strict().optional(), context.body, "request body");
  const key = optionalIdempotencyKey(context);
  const fingerprint = requestFingerprint("POST", `/jobs/${id}/cancel`, {});
  if (key) {
    const stored = await findStoredResponse(db, acting, key);
    if (stored) return replayed(replayOf(stored, fingerprint));
  }
  const ownJobsOnly = ownJobsOf(workspace, actorUserId) !== null;
  const text = JSON.stringify(jobResourceOf(await cancelJob(db, acting, id, { ownJobsOnly })));
  if (key) await storeResponse(db, { acting, key, fingerprint, statusCode: 200, headers: {}, text });
  return { status: 200, text };
}

/** Every REST route. The OpenAPI document (rest/openapi.ts) describes each of them. */
export const routes: Route[] = [
  { method: "POST", path: "/jobs", scope: "jobs:write", body: "required", handle: createJobRoute },
  {
    method: "GET", path: "/jobs", scope: "jobs:read", body: "none",
    handle: async ({ deps, principal, query }) => ({
      status: 200,
      body: wire(jobPageOf(await listJobsForUser(
        deps.db, principal.workspace.id, parseOrProblem(restListJobsQuery, query, "query"), ownJobsOf(principal.workspace, principal.actorUserId),
      ))),
    }),
  },
  {
    method: "GET", path: "/jobs/{id}", scope: "jobs:read", body: "none",
    handle: async ({ deps, principal, params }) => ({
      status: 200,
      body: wire(jobResourceOf(await getJobForUser(
        deps.db, principal.workspace.id, parseOrProblem(jobParams, params, "job id").id, ownJobsOf(principal.workspace, principal.actorUserId),
      ))),
    }),
  },
  { method: "POST", path: "/jobs/{id}/cancel", scope: "jobs:write", body: "optional", handle: cancelJobRoute },
  {
    method: "GET", path: "/balance", scope: "credits:read", body: "none",
    // Parsed with the documented resource: exactly its fields, whatever else the statement function returns.
    handle: async ({ deps, principal }) => ({
      status: 200,
      body: balanceResource.parse(wire(await getCreditSummary(deps.db, principal.workspace.id))),
    }),
  },
  {
    method: "GET", path: "/ledger", scope: "credits:read", body: "none",
    handle: async ({ deps, principal, query }) => ({
      status: 200,
      body: ledgerPageResource.parse(wire(await getLedgerPage(
        deps.db, principal.workspace.id, await readableLedgerQuery(deps.db, principal, query),
      ))),
    }),
  },
];

export type RouteMatch = { route: Route; params: Record<string, string> } | { allowed: string[] } | null;

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < want.length; index++) {
    const segment = want[index]!;
    const actual = got[index]!;
    if (segment.startsWith("{")) {
      if (actual === "") return null;
      params[segment.slice(1, -1)] = actual;
    } else if (segment !== actual) {
      return null;
    }
  }
  return params;
}

/** The route of (method, path); the allowed methods when only the method is wrong; null when no path matches. */
export function matchRoute(method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : null;
}
