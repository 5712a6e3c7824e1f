import { describe, expect, it } from "vitest";

import { startWorker } from "~/server/queue/worker";
import { createSandboxProvider } from "~/server/providers";

import { sleep } from "../fixtures/concurrency";
import { db, testConfig } from "../helpers";

// When a newer graphile-worker makes a breaking change to the queue's schema
// it announces it (NOTIFY "worker:migrate"), and an older pool stops itself:
// running on a schema it does not know is unsafe (graphile-worker's rule).
// The supervisor replaces pools that stop, but not that one.

describe("a pool stopped by graphile-worker for a breaking migration", () => {
  it("is not replaced", async () => {
    const exitCode = process.exitCode;
    const handle = await startWorker({
      connectionString: process.env.DATABASE_URL!, db, provider: createSandboxProvider({ latencyMs: 0 }),
      config: testConfig, concurrency: 2, cronCleanup: false,
    });
    try {
      await handle.ready;
      for (let waited = 0; handle.liveRunners < 2 && waited < 5_000; waited += 50) await sleep(50);
      // Give the pool's LISTEN connection time to subscribe.
      await sleep(1_000);
      await db.$executeRaw`SELECT pg_notify('worker:migrate', ${JSON.stringify({ migrationNumber: 999, breaking: true })})`;
      for (let waited = 0; handle.liveRunners > 0 && waited < 5_000; waited += 50) await sleep(50);
      expect(handle.liveRunners).toBe(0);
      await sleep(1_500);
      expect(handle.restarts).toBe(0);
      expect(handle.liveRunners).toBe(0);
    } finally {
      // graphile-worker asked for exit code 57 (this vitest worker must not take it).
      process.exitCode = exitCode;
      await handle.stop();
    }
  });
});
