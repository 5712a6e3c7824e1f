import { env } from "~/env.js";

/** The limits and timings of the job engine; tests and benchmarks override them. */
export type JobsConfig = {
  maxActiveJobs: number;
  rateLimitPerMinute: number;
  maxAttempts: number;
  leaseMs: number;
  jobTimeoutMs: number;
  cleanupBatchMax: number;
  /** A maintenance pass takes batches of stuck jobs until none is left or it has run this long (ms). */
  cleanupPassMs: number;
};

export function jobsConfigFromEnv(): JobsConfig {
  return {
    maxActiveJobs: env.MAX_ACTIVE_JOBS,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    maxAttempts: env.MAX_ATTEMPTS,
    leaseMs: env.LEASE_MS,
    jobTimeoutMs: env.JOB_TIMEOUT_MS,
    cleanupBatchMax: env.CLEANUP_BATCH_MAX,
    cleanupPassMs: env.CLEANUP_PASS_MS,
  };
}
