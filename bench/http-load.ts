import { randomUUID } from "node:crypto";

import { summarize, type LatencySummary } from "./stats";

export type TrpcResult = { ok: true; data: unknown; status: number } | { ok: false; appCode: string; status: number };

/** One tRPC call over HTTP, as the browser's client makes it (superjson envelope, no batching). */
export async function callTrpc(
  baseUrl: string, procedure: string, input: unknown, cookie: string | null, kind: "query" | "mutation" = "mutation",
): Promise<TrpcResult> {
  const headers: Record<string, string> = { "content-type": "application/json", origin: baseUrl };
  if (cookie) headers.cookie = cookie;
  const envelope = JSON.stringify({ json: input });
  const response = kind === "mutation"
    ? await fetch(`${baseUrl}/api/trpc/${procedure}`, { method: "POST", headers, body: envelope })
    : await fetch(`${baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(envelope)}`, { headers });
  const body = (await response.json().catch(() => null)) as
    | { result?: { data?: { json?: unknown } }; error?: { json?: { data?: { appCode?: string } } } }
    | null;
  if (response.ok && body?.result) return { ok: true, data: body.result.data?.json, status: response.status };
  return { ok: false, appCode: body?.error?.json?.data?.appCode ?? `HTTP_${response.status}`, status: response.status };
}

export type LoadResult = {
  requests: number; ok: number; throughput: number; latency: LatencySummary; errors: Record<string, number>; durationS: number;
};

/**
 * `clients` closed-loop clients sending jobs.create for `durationS` seconds;
 * `cookieFor(client, n)` picks whose session each request uses.
 */
export async function loadCreate(options: {
  baseUrl: string; clients: number; durationS: number; cookieFor: (client: number, n: number) => string;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let requests = 0;
  const startedAt = performance.now();
  const endAt = startedAt + options.durationS * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      for (let n = 0; performance.now() < endAt; n++) {
        const input = { idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "bench prompt", outputs: 1 };
        const sent = performance.now();
        requests++;
        const result = await callTrpc(options.baseUrl, "jobs.create", input, options.cookieFor(client, n)).catch(
          (): TrpcResult => ({ ok: false, appCode: "NETWORK", status: 0 }),
        );
        if (result.ok) latencies.push(performance.now() - sent);
        else errors[result.appCode] = (errors[result.appCode] ?? 0) + 1;
      }
    }),
  );
  const elapsedS = (performance.now() - startedAt) / 1000;
  return { requests, ok: latencies.length, throughput: latencies.length / elapsedS, latency: summarize(latencies), errors, durationS: elapsedS };
}

/** The server's conflict-retry counter (Prometheus endpoint). */
export async function conflictRetries(baseUrl: string, token: string): Promise<number> {
  const text = await fetch(`${baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
  return Number(/^creditworks_conflict_retries_total (\d+)/m.exec(text)?.[1] ?? NaN);
}
