import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { isAuthorizedBearer } from "~/server/cron-auth";
import { logger } from "~/server/logger";
import { processRegistry } from "~/server/metrics";

export type MetricsServer = { port: number; stop: () => Promise<void> };

/** A scrape that takes longer than this is cut off (Prometheus' own timeout is 10 s by default). */
const requestTimeoutMs = 10_000;

/**
 * A tiny HTTP endpoint for a process that has no web server (a worker
 * started by `npm run worker`): `GET /metrics` with `Authorization: Bearer
 * <token>` answers this process's metrics (process, counters such as the
 * settlements it made, latency histograms) in the Prometheus text format,
 * so the counters of every process reach Prometheus and add up there.
 * Fails closed like /api/metrics: no token configured → 503 for everyone;
 * a missing or wrong token → 401 (constant-time comparison).
 */
export async function startMetricsServer(options: { port: number; host?: string; token: string | undefined }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: string, contentType = "application/json") => {
      response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
      response.end(body);
    };
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") return send(404, JSON.stringify({ error: "not found" }));
    if (!options.token) return send(503, JSON.stringify({ error: "METRICS_TOKEN is not configured" }));
    if (!isAuthorizedBearer(request.headers.authorization ?? null, options.token)) {
      return send(401, JSON.stringify({ error: "unauthorized" }));
    }
    processRegistry.metrics().then(
      (text) => send(200, text, processRegistry.contentType),
      (error: unknown) => {
        logger.warn({ err: error }, "metrics collection failed");
        send(500, JSON.stringify({ error: "metrics collection failed" }));
      },
    );
  });
  server.requestTimeout = requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, "worker metrics served on /metrics");
  return {
    port,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
