import { describe, expect, it } from "vitest";

// Both metrics endpoints fail closed when METRICS_TOKEN is not configured.
// The environment is validated at import, so the token is removed before
// anything of the app is imported (dynamic imports only in this file).
delete process.env.METRICS_TOKEN;
const { GET: metricsRoute } = await import("~/app/api/metrics/route");
const { env } = await import("~/env.js");
const { startMetricsServer } = await import("~/server/ops/metrics-server");

const headerCases = [null, "", "Bearer", "Bearer ", "Bearer undefined", "Bearer null", "Bearer test-metrics-token-0123456789"];

describe("metrics without METRICS_TOKEN", () => {
  it("the web process's /api/metrics answers 503 to everyone", async () => {
    expect(env.METRICS_TOKEN).toBeUndefined();
    for (const authorization of headerCases) {
      const headers: Record<string, string> = authorization === null ? {} : { authorization };
      const response = await metricsRoute(new Request("http://localhost/api/metrics", { headers }));
      expect(response.status, String(authorization)).toBe(503);
    }
  });

  it("a worker's metrics endpoint answers 503 to everyone", async () => {
    const server = await startMetricsServer({ port: 0, host: "127.0.0.1", token: env.METRICS_TOKEN });
    try {
      for (const authorization of headerCases) {
        const headers: Record<string, string> = authorization === null ? {} : { authorization };
        const response = await fetch(`http://127.0.0.1:${server.port}/metrics`, { headers });
        expect(response.status, String(authorization)).toBe(503);
        expect(await response.text()).not.toContain("creditworks_");
      }
    } finally {
      await server.stop();
    }
  });
});
