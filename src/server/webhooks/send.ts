import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

import { resolveWebhookTarget, WebhookTargetError, type GuardOptions, type ResolvedAddress } from "~/server/webhooks/address-guard";

/** What one attempt came to: a status code, or an error before any. */
export type AttemptResult = { ok: boolean; statusCode: number | null; error: string | null; durationMs: number };

/** Bytes of a response body read at most (then the connection is dropped): receivers answer, they do not stream. */
export const responseBodyMaxBytes = 64 * 1024;

export type SendRequest = {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
};

/**
 * A `lookup` that answers every query with the address the guard checked,
 * so the connection goes there and nowhere else, whatever the DNS says by
 * then. Node 20 asks with `all: true` (happy eyeballs); both shapes answered.
 */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (error: null, addresses: ResolvedAddress[]) => void)(null, [target]);
    } else {
      callback(null, target.address, target.family);
    }
  };
}

/**
 * POSTs one signed delivery: resolves and checks the target (SSRF guard),
 * connects to the checked address only, follows no redirect (a 3xx is a
 * failure), reads at most `responseBodyMaxBytes` of the answer and gives up
 * after `timeoutMs` in all. Never throws: every outcome is an AttemptResult.
 */
export async function sendWebhook(request: SendRequest, guard: GuardOptions): Promise<AttemptResult> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const deadline = AbortSignal.timeout(request.timeoutMs);
  let target: ResolvedAddress;
  const url = new URL(request.url);
  try {
    target = await resolveWebhookTarget(url, guard);
  } catch (error) {
    const message = error instanceof WebhookTargetError ? error.message : "The host could not be checked.";
    return { ok: false, statusCode: null, error: `Refused: ${message}`, durationMs: elapsed() };
  }
  return new Promise<AttemptResult>((resolve) => {
    const transport = url.protocol === "https:" ? https : http;
    const req = transport.request(url, {
      method: "POST",
      headers: { ...request.headers, "content-length": Buffer.byteLength(request.body).toString() },
      lookup: pinnedLookup(target),
      agent: false,
      signal: deadline,
    });
    let settled = false;
    const settle = (result: Omit<AttemptResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, durationMs: elapsed() });
    };
    req.on("response", (res) => {
      const statusCode = res.statusCode ?? 0;
      let received = 0;
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > responseBodyMaxBytes) res.destroy();
      });
      const done = () => settle({
        ok: statusCode >= 200 && statusCode < 300,
        statusCode,
        error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`,
      });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const timedOut = deadline.aborted;
      settle({ ok: false, statusCode: null, error: timedOut ? `Timed out after ${request.timeoutMs} ms` : describeNetworkError(error) });
    });
    req.end(request.body);
  });
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}
