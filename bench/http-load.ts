import { randomUUID } from "node:crypto";
import http from "node:http";

import { summarize, type LatencySummary } from "./stats";

export type TrpcResult = { ok: true; data: unknown; status: number } | { ok: false; appCode: string; status: number };

/**
 * Keep-alive connections, as a browser (or a proxy) keeps them: the load
 * generator shares the machine's two cores with the app and PostgreSQL, so
 * it spends as little CPU per request as node:http allows (fetch costs
 * several times more).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * Cookies as a browser keeps them, per session: better-auth answers the
 * first request with a signed session-cache cookie, which later requests
 * send back (so they need no session query).
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(initial: string) {
    this.absorb([initial]);
  }

  absorb(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      if (at <= 0) continue;
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

type RawResponse = { status: number; body: string; setCookie: string[] | undefined };

function send(url: URL, method: "GET" | "POST", headers: Record<string, string>, body: string | null): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), setCookie: response.headers["set-cookie"] }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    if (body !== null) request.end(body);
    else request.end();
  });
}

/** One tRPC call over HTTP, as the browser's client makes it (superjson envelope, no batching). */
export async function callTrpc(
  baseUrl: string, procedure: string, input: unknown, cookies: CookieJar | string | null, kind: "query" | "mutation" = "mutation",
): Promise<TrpcResult> {
  const jar = typeof cookies === "string" ? new CookieJar(cookies) : cookies;
  const headers: Record<string, string> = { "content-type": "application/json", origin: baseUrl };
  if (jar) headers.cookie = jar.header();
  const envelope = JSON.stringify({ json: input });
  const response = kind === "mutation"
    ? await send(new URL(`/api/trpc/${procedure}`, baseUrl), "POST", headers, envelope)
    : await send(new URL(`/api/trpc/${procedure}?input=${encodeURIComponent(envelope)}`, baseUrl), "GET", headers, null);
  jar?.absorb(response.setCookie);
  type Envelope = { result?: { data?: { json?: unknown } }; error?: { json?: { data?: { appCode?: string } } } };
  let body: Envelope | null;
  try {
    body = JSON.parse(response.body) as Envelope;
  } catch {
    body = null;
  }
  const ok = response.status >= 200 && response.status < 300;
  if (ok && body?.result) return { ok: true, data: body.result.data?.json, status: response.status };
  return { ok: false, appCode: body?.error?.json?.data?.appCode ?? `HTTP_${response.status}`, status: response.status };
}

export type LoadResult = {
  requests: number; ok: number; throughput: number; latency: LatencySummary; errors: Record<string, number>; durationS: number;
  /** 5xx answers, whatever their code. */
  serverErrors: number;
};

/**
 * `clients` closed-loop clients, each sending `request(client, n)` one after
 * the other for `durationS` seconds; latency of the successful ones.
 */
export async function loadClosedLoop(options: {
  clients: number; durationS: number; request: (client: number, n: number) => Promise<TrpcResult>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let requests = 0;
  let serverErrors = 0;
  const startedAt = performance.now();
  const endAt = startedAt + options.durationS * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let n = 0; performance.now() < endAt; n++) {
        const sent = performance.now();
        requests++;
        const result = await options.request(client, n).catch((): TrpcResult => ({ ok: false, appCode: "NETWORK", status: 0 }));
        if (result.ok) latencies.push(performance.now() - sent);
        else {
          errors[result.appCode] = (errors[result.appCode] ?? 0) + 1;
          if (result.status >= 500) serverErrors++;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - startedAt) / 1000;
  return {
    requests, ok: latencies.length, throughput: latencies.length / elapsedS, latency: summarize(latencies), errors, durationS: elapsedS, serverErrors,
  };
}

/**
 * `clients` closed-loop clients sending jobs.create for `durationS` seconds;
 * `sessionFor(client, n)` picks whose session (cookie jar) each request
 * uses and `baseUrlFor(client)` which web process it goes to.
 */
export function loadCreate(options: {
  baseUrlFor: (client: number) => string; clients: number; durationS: number; sessionFor: (client: number, n: number) => CookieJar;
}): Promise<LoadResult> {
  return loadClosedLoop({
    clients: options.clients,
    durationS: options.durationS,
    // The web process is asked per request (baseUrlFor inside the closure).
    request: (client, n) => {
      const input = { idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "bench prompt", outputs: 1 };
      return callTrpc(options.baseUrlFor(client), "jobs.create", input, options.sessionFor(client, n));
    },
  });
}

/** One `POST /api/v1/jobs` with an API key and a fresh Idempotency-Key, as a program would send it. */
export async function callRestCreate(baseUrl: string, apiKey: string): Promise<TrpcResult> {
  const body = JSON.stringify({ modelId: "storyteller-v1", prompt: "bench prompt", outputs: 1 });
  const response = await send(new URL("/api/v1/jobs", baseUrl), "POST", {
    authorization: `Bearer ${apiKey}`, "content-type": "application/json", "idempotency-key": randomUUID(),
  }, body);
  if (response.status === 201) return { ok: true, data: null, status: response.status };
  let code: string | undefined;
  try {
    code = (JSON.parse(response.body) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { ok: false, appCode: code ?? `HTTP_${response.status}`, status: response.status };
}

/** `clients` closed-loop clients sending `POST /api/v1/jobs`; `keyFor(client, n)` picks the account's API key. */
export function loadRestCreate(options: {
  baseUrlFor: (client: number) => string; clients: number; durationS: number; keyFor: (client: number, n: number) => string;
}): Promise<LoadResult> {
  return loadClosedLoop({
    clients: options.clients,
    durationS: options.durationS,
    request: (client, n) => callRestCreate(options.baseUrlFor(client), options.keyFor(client, n)),
  });
}

/** A counter of the server's Prometheus endpoint (summed over its label sets), or NaN. */
export async function metricValue(baseUrl: string, token: string, name: string): Promise<number> {
  const response = await send(new URL("/api/metrics", baseUrl), "GET", { authorization: `Bearer ${token}` }, null);
  let total = Number.NaN;
  for (const line of response.body.split("\n")) {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.eE+-]+)$`).exec(line);
    if (match) total = (Number.isNaN(total) ? 0 : total) + Number(match[1]);
  }
  return total;
}
