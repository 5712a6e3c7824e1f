import type { IncomingMessage, ServerResponse } from "node:http";

import { authenticateApiKey } from "~/server/api-keys/keys";
import { AppError } from "~/server/errors";
import { privateNoStore } from "~/server/http/same-origin";
import { openApiDocument } from "~/server/rest/openapi";
import { httpProblem, problemOf, RestProblem } from "~/server/rest/problem";
import { matchRoute, type RestDeps, type RestResponse } from "~/server/rest/routes";

/** Where the REST API is mounted. */
export const restBasePath = "/api/v1";
/** A job request is a few kilobytes at most (a 2,000-character prompt); anything larger is refused unread. */
export const bodyBytesMax = 32 * 1024;

const jsonType = "application/json; charset=utf-8";
const problemType = "application/problem+json; charset=utf-8";

function send(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader("content-type", contentType);
  // Every answer depends on the API key (or the lack of one).
  res.setHeader("cache-control", privateNoStore);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(text);
}

/**
 * The request body, at most `bodyBytesMax` bytes (413 past it, without
 * reading the rest: the connection is closed instead).
 */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > bodyBytesMax) throw tooLarge();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > bodyBytesMax) {
        req.removeAllListeners("data");
        req.removeAllListeners("end");
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function tooLarge(): RestProblem {
  return httpProblem("CONTENT_TOO_LARGE", `The body is larger than ${bodyBytesMax} bytes.`, { connection: "close" });
}

/** The JSON body of a request (undefined when empty): 415 for another media type, 400 for malformed JSON. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) return undefined;
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw httpProblem("UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.", { "accept-post": "application/json" });
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(raw);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RestProblem(400, "VALIDATION_ERROR", "The body is not valid JSON.");
  }
}

function bearerOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const match = header ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  if (Array.isArray(value)) {
    throw new RestProblem(400, "VALIDATION_ERROR", `Send one ${name} header.`);
  }
  return value;
}

async function route(req: IncomingMessage, deps: RestDeps, method: string, url: URL): Promise<RestResponse> {
  const path = url.pathname.slice(restBasePath.length) || "/";
  if (path === "/openapi.json") {
    if (method === "GET") return { status: 200, body: openApiDocument() };
    throw httpProblem("METHOD_NOT_ALLOWED", `${method} is not allowed here; use GET.`, { allow: "GET" });
  }
  if (path === "/admin" || path.startsWith("/admin/")) {
    throw new RestProblem(403, "FORBIDDEN", "API keys never reach admin procedures: use the admin dashboard, signed in.");
  }
  const match = matchRoute(method, path);
  if (!match) throw new RestProblem(404, "NOT_FOUND", `No route ${path} under ${restBasePath}.`);
  if ("allowed" in match) {
    throw httpProblem("METHOD_NOT_ALLOWED", `${method} is not allowed here; use ${match.allowed.join(" or ")}.`, { allow: match.allowed.join(", ") });
  }
  const secret = bearerOf(req);
  if (!secret) throw new AppError("UNAUTHORIZED", "Send an API key: Authorization: Bearer cw_live_….");
  const principal = await authenticateApiKey(deps.db, secret);
  if (!principal) throw new AppError("UNAUTHORIZED", "This API key is not valid (unknown or revoked).");
  if (!principal.scopes.includes(match.route.scope)) {
    throw new RestProblem(403, "FORBIDDEN", `This API key lacks the ${match.route.scope} scope.`, { requiredScope: match.route.scope });
  }
  const body = match.route.body === "none" ? undefined : await readJsonBody(req);
  if (match.route.body === "required" && body === undefined) {
    throw new RestProblem(400, "VALIDATION_ERROR", "This request needs a JSON body.");
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (name in query) throw new RestProblem(400, "VALIDATION_ERROR", `Send the ${name} parameter once.`);
    query[name] = value;
  }
  return match.route.handle({
    deps, principal, params: match.params, query, body,
    idempotencyKeyHeader: singleHeader(req, "idempotency-key"),
  });
}

/**
 * The REST API (SPEC §8) on node's request and response: route, API key,
 * scope, body, then one domain call: the same functions, schemas and
 * limits as tRPC. Every failure is an `application/problem+json` document
 * with its SPEC §4 code; nothing internal is ever sent.
 */
export function createRestHandler(deps: RestDeps) {
  return async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      url = new URL("http://localhost/");
    }
    try {
      const response = await route(req, deps, method, url);
      send(res, response.status, jsonType, "text" in response ? response.text : JSON.stringify(response.body), response.headers);
    } catch (error) {
      const problem = problemOf(error, { method, path: url.pathname });
      send(res, problem.status, problemType, JSON.stringify(problem.body), problem.headers);
    }
  };
}
