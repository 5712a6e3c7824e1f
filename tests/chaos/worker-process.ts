/**
 * A real worker process for the chaos suite: graphile-worker with the job
 * task, like `npm run worker`, plus a planned crash. CHAOS_KILL_POINT says
 * where it dies with SIGKILL (no cleanup, no lease release) and
 * CHAOS_KILL_AT_JOB in which of its jobs:
 *   after-claim    before the first output of the job is generated
 *   mid-output     before the job's second missing output (one written)
 *   before-settle  after the last output, before the settlement commits
 *   none           never (the parent may still kill it from outside)
 * Run with tsx; the environment (DATABASE_URL, LEASE_MS, …) comes from the
 * parent.
 */
import { env } from "~/env.js";
import { jobsConfigFromEnv } from "~/server/config";
import { db, type Db } from "~/server/db";
import { startWorker } from "~/server/queue/worker";
import { createSandboxProvider } from "~/server/providers";
import type { GenerationProvider } from "~/server/providers/types";

type KillPoint = "after-claim" | "mid-output" | "before-settle" | "none";

const killPoint = (process.env.CHAOS_KILL_POINT ?? "none") as KillPoint;
const killAtJob = Number(process.env.CHAOS_KILL_AT_JOB ?? 1);
const jobsSeen = new Map<string, { ordinal: number; calls: number }>();

function die(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL");
}

function noteJob(jobId: string) {
  let seen = jobsSeen.get(jobId);
  if (!seen) {
    seen = { ordinal: jobsSeen.size + 1, calls: 0 };
    jobsSeen.set(jobId, seen);
  }
  seen.calls++;
  return seen;
}

function crashingProvider(inner: GenerationProvider): GenerationProvider {
  return {
    name: inner.name,
    async generate(request) {
      const seen = noteJob(request.jobId);
      if (seen.ordinal === killAtJob) {
        if (killPoint === "after-claim" && seen.calls === 1) die();
        if (killPoint === "mid-output" && seen.calls === 2) die();
      }
      return inner.generate(request);
    },
  };
}

/**
 * The worker reads the job's progress once after its last output and then
 * settles: that read is the "after the last output, before settlement" point.
 */
function crashingDb(inner: Db): Db {
  const jobDelegate = new Proxy(inner.job, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== "findUniqueOrThrow" || typeof value !== "function") return value;
      return (args: { where: { id: string }; select?: { outputsDone?: boolean } }) => {
        const seen = jobsSeen.get(args.where.id);
        if (killPoint === "before-settle" && args.select?.outputsDone && seen?.ordinal === killAtJob) die();
        return (value as (a: unknown) => unknown).call(target, args);
      };
    },
  });
  return new Proxy(inner, {
    get(target, property) {
      if (property === "job") return jobDelegate;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const handle = await startWorker({
  connectionString: env.DATABASE_URL,
  db: crashingDb(db),
  provider: crashingProvider(createSandboxProvider({ latencyMs: env.SANDBOX_LATENCY_MS })),
  config: jobsConfigFromEnv(),
  concurrency: env.WORKER_CONCURRENCY,
  cronCleanup: false,
});
await handle.ready;
process.send?.({ ready: handle.workerId });
process.once("SIGTERM", () => {
  void handle.stop().finally(() => process.exit(0));
});
