import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import trpcHandler from "~/pages/api/trpc/[trpc]";
import { GET as authGet, POST as authPost } from "~/app/api/auth/[...all]/route";
import { GET as statementCsv } from "~/app/api/statement/csv/route";
import { GET as outputsZip } from "~/app/api/jobs/[id]/outputs.zip/route";

import { servePagesApi } from "../fixtures/pages-api";
import { keyFor, serveRest } from "../fixtures/rest";
import { serveRouteHandlers, type RouteHandler } from "../fixtures/route-handlers";
import { signedUpUser } from "../fixtures/sessions";
import { callTrpc, testAppOrigin, testEmail } from "../fixtures/trpc-http";
import { db, jobRequest } from "../helpers";

// Defence in depth (issue 21, item 7), over HTTP: a request that changes
// state on the strength of the session cookie must come from the app's own
// origin (browsers stop most cross-site ones already: the preflight and
// SameSite=Lax), and no answer that depends on a session or an API key may
// be stored by a browser or a shared cache.

const trpc = await servePagesApi(trpcHandler as never, "/api/trpc", "trpc");
const rest = await serveRest();
const routes = await serveRouteHandlers([
  { pattern: "/api/auth/[...all]", methods: { GET: authGet, POST: authPost } },
  { pattern: "/api/statement/csv", methods: { GET: statementCsv } },
  { pattern: "/api/jobs/[id]/outputs.zip", methods: { GET: outputsZip as RouteHandler } },
]);
afterAll(async () => {
  await Promise.all([trpc.close(), rest.close(), routes.close()]);
});

const evil = "https://evil.example";

async function customer(credits = 20) {
  return signedUpUser({ email: testEmail("cross-site"), password: "correct-horse-battery", name: "Customer", credits });
}

const create = (cookie: string, headers: { origin?: string | null; secFetchSite?: string }) =>
  callTrpc(trpc.baseUrl, "POST", "jobs.create", {
    cookie, input: jobRequest({ outputs: 1 }), origin: headers.origin ?? null,
    headers: headers.secFetchSite ? { "sec-fetch-site": headers.secFetchSite } : {},
  });

describe("cookie-authenticated requests that change state come from the app's origin", () => {
  it("a tRPC mutation from another origin, or with no Origin and no same-origin Sec-Fetch-Site, is refused and changes nothing", async () => {
    const { user, cookie } = await customer();
    for (const attempt of [{ origin: evil }, { origin: "null" }, { origin: null }, { origin: null, secFetchSite: "cross-site" }]) {
      const refused = await create(cookie, attempt);
      expect(refused.status, JSON.stringify(attempt)).toBe(403);
      expect(refused.body.error?.json.data.appCode).toBe("FORBIDDEN");
    }
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(0);

    expect((await create(cookie, { origin: testAppOrigin })).status).toBe(200);
    // A browser that sends no Origin but says the request is same-origin.
    expect((await create(cookie, { origin: null, secFetchSite: "same-origin" })).status).toBe(200);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(2);
  });

  it("reads from another origin still answer (they change nothing; CORS keeps their answer from other sites)", async () => {
    const { cookie } = await customer();
    const summary = await callTrpc(trpc.baseUrl, "GET", "credits.summary", { cookie, origin: evil });
    expect(summary.status).toBe(200);
  });

  it("an auth request that acts on the session from another origin is refused, and the session lives on", async () => {
    const { cookie } = await customer();
    const signOut = await fetch(`${routes.baseUrl}/api/auth/sign-out`, {
      method: "POST", headers: { cookie, origin: evil, "content-type": "application/json" }, body: "{}",
    });
    expect(signOut.status).toBe(403);
    expect(((await signOut.json()) as { code: string }).code).toBe("FORBIDDEN");
    const session = await fetch(`${routes.baseUrl}/api/auth/get-session`, { headers: { cookie } });
    expect(((await session.json()) as { user?: unknown } | null)?.user).toBeDefined();
  });

  it("API-key requests carry no cookie and are not concerned: a REST create from any origin works", async () => {
    const { user } = await customer();
    const key = await keyFor(user);
    const created = await rest.request("POST", "/jobs", {
      key, idempotencyKey: randomUUID(), body: { modelId: "storyteller-v1", prompt: "a fox", outputs: 1 }, headers: { origin: evil },
    });
    expect(created.status).toBe(201);
  });
});

describe("answers that depend on a session or an API key are never stored", () => {
  const privateNoStore = "private, no-store";

  it("tRPC: answers and errors, signed in or not", async () => {
    const { cookie } = await customer();
    const answers = [
      await callTrpc(trpc.baseUrl, "GET", "credits.summary", { cookie }),
      await callTrpc(trpc.baseUrl, "GET", "credits.summary"),
      await callTrpc(trpc.baseUrl, "POST", "jobs.create", { cookie, input: { ...jobRequest(), outputs: 0 } }),
      await callTrpc(trpc.baseUrl, "GET", "catalog.list"),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 400, 200]);
    for (const answer of answers) expect(answer.headers.get("cache-control")).toBe(privateNoStore);
  });

  it("REST: answers and problems", async () => {
    const { user } = await customer();
    const key = await keyFor(user);
    for (const answer of [await rest.request("GET", "/balance", { key }), await rest.request("GET", "/balance")]) {
      expect(answer.headers.get("cache-control")).toBe(privateNoStore);
    }
  });

  it("the statement CSV, the outputs zip and the auth routes: answers and refusals", async () => {
    const { cookie } = await customer();
    const answers = [
      await fetch(`${routes.baseUrl}/api/statement/csv`, { headers: { cookie } }),
      await fetch(`${routes.baseUrl}/api/statement/csv`),
      await fetch(`${routes.baseUrl}/api/statement/csv?from=nonsense`, { headers: { cookie } }),
      await fetch(`${routes.baseUrl}/api/jobs/${randomUUID()}/outputs.zip`, { headers: { cookie } }),
      await fetch(`${routes.baseUrl}/api/jobs/${randomUUID()}/outputs.zip`),
      await fetch(`${routes.baseUrl}/api/auth/get-session`, { headers: { cookie } }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 400, 404, 401, 200]);
    for (const answer of answers) expect(answer.headers.get("cache-control"), answer.url).toBe(privateNoStore);
  });
});
