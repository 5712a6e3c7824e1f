import "server-only";

import { env } from "~/env.js";
import { jobsConfigFromEnv } from "~/server/config";
import { db } from "~/server/db";
import { startWorker, type WorkerHandle } from "~/server/queue/worker";
import { createProvider } from "~/server/providers";

/**
 * Starts the workers of this process from the environment: used by the web
 * process (instrumentation) and by `npm run worker` to scale out.
 */
export async function startStandaloneWorker(options: { cronCleanup?: boolean } = {}): Promise<WorkerHandle> {
  return startWorker({
    connectionString: env.DATABASE_URL,
    db,
    provider: createProvider({
      provider: env.PROVIDER,
      sandboxLatencyMs: env.SANDBOX_LATENCY_MS,
      openai: env.OPENAI_BASE_URL
        ? {
            baseUrl: env.OPENAI_BASE_URL,
            apiKey: env.OPENAI_API_KEY,
            textModel: env.OPENAI_TEXT_MODEL,
            imageModel: env.OPENAI_IMAGE_MODEL,
            timeoutMs: env.PROVIDER_TIMEOUT_MS,
          }
        : undefined,
    }),
    config: jobsConfigFromEnv(),
    concurrency: env.WORKER_CONCURRENCY,
    cronCleanup: options.cronCleanup ?? true,
    cleanupIntervalMs: env.CLEANUP_INTERVAL_MS,
  });
}
