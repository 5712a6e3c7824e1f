import "server-only";

import { randomBytes } from "node:crypto";
import { EventEmitter, setMaxListeners } from "node:events";
import { hostname } from "node:os";

import { Logger, runTaskList, type JobHelpers, type WorkerEvents, type WorkerPool } from "graphile-worker";
import pg from "pg";

import type { JobsConfig } from "~/server/config";
import { poolConfig, surviveLostConnections } from "~/server/database/pool-config";
import type { Db } from "~/server/db";
import { startCleanupSchedule, type CleanupSchedule } from "~/server/queue/maintenance";
import { autoTopupTask, budgetThresholdMailTask, deliverWebhookTask, runJobTask } from "~/server/queue/tasks";
import { sendBudgetThresholdMail } from "~/server/budgets/threshold-mail";
import { workerBatches } from "~/server/jobs/batches";
import { runJob } from "~/server/jobs/run";
import { registerPool, type PoolRegistration } from "~/server/queue/worker-registry";
import { logger } from "~/server/logger";
import { failTopup, runAutoTopup } from "~/server/payments/auto-topup";
import { increment, observe } from "~/server/metrics";
import type { GenerationProvider } from "~/server/providers/types";
import { deliverWebhook } from "~/server/webhooks/deliver";
import { webhooksConfigFromEnv, type WebhooksConfig } from "~/server/webhooks/config";
import { money } from "~/server/money";

export type WorkerOptions = {
  connectionString: string;
  db: Db;
  provider: GenerationProvider;
  config: JobsConfig;
  concurrency: number;
  /** Also run the cleanup every `cleanupIntervalMs` from this process. */
  cronCleanup?: boolean;
  cleanupIntervalMs?: number;
  /** How webhooks are delivered (default: from the environment). */
  webhooks?: WebhooksConfig;
};

export type WorkerHandle = {
  /** The lease owner of the pool running now (a restarted pool gets a new one). */
  readonly workerId: string;
  /** Resolves once the first pool is started (it waits for no database: its fetches retry until one answers). */
  readonly ready: Promise<void>;
  /** How many times the pool was replaced after it stopped or wedged. */
  readonly restarts: number;
  /** Runners of the current pool that are alive (the configured concurrency, once it runs). */
  readonly liveRunners: number;
  stop: () => Promise<void>;
};

const pollIntervalMs = 1_000;
const restartBackoffMs = [100, 250, 500, 1_000, 2_000, 5_000];
/** A pool that does not stop in this time is abandoned (its queue rows are unlocked anyway). */
const poolStopTimeoutMs = 5_000;
/** Runners whose every fetch fails for this long are wedged: the pool is replaced. */
const fetchFailingRestartMs = 5_000;
/**
 * Sooner when the database answers meanwhile: fetches that still fail this
 * long while the app's own connections get answers are a wedge, not an
 * outage (after a database crash, the difference between jobs waiting one
 * second and five).
 */
const fetchFailingWhileDatabaseAnswersMs = 1_000;
const defaultCleanupIntervalMs = 60_000;
/** What graphile-worker sets `process.exitCode` to when a newer version made a breaking change to its schema. */
const breakingMigrationExitCode = 57;

/**
 * How the pool writes its own bookkeeping (a queue row completed or failed).
 * graphile-worker 0.17 and later (0.18.0 included) start that write without
 * awaiting it (dist/worker.js: `completeJob(job)`); with batching off, its
 * default (-1), the write's promise has no handler, so a completion that
 * meets a dropped connection or a lock timeout is an unhandled rejection,
 * which ends a Node process (tests/faults/database-restart.test.ts saw it).
 * We found no upstream issue for it. With a batch delay (0: the writes of one
 * tick together) a failed write reaches the pool, which shuts itself down
 * ("Could not completeJobs; queue is in an inconsistent state"), and the
 * supervisor replaces it; a shutdown also waits for the writes in flight.
 * Batched writes are not retried first (graphile/worker#636, open).
 *
 * The pool fetches its queue rows through a local queue, `localQueueFactor`
 * times its runners at once: one fetch for many jobs instead of one per job
 * (decision 0010).
 */
function queueBookkeeping(concurrency: number) {
  return { completeJobBatchDelay: 0, failJobBatchDelay: 0, localQueue: { size: localQueueFactor * concurrency } };
}
const localQueueFactor = 2;

/**
 * The queue's connections: its runners take their rows from the local
 * queue, so what reaches PostgreSQL is the queue's fetch, its completion and
 * failure batches and its LISTEN, however many runners there are.
 */
function queuePoolSize(concurrency: number): number {
  return Math.min(concurrency + 2, queueConnectionsMax);
}
const queueConnectionsMax = 10;

/** A worker id that names the machine and process, unique per pool start. */
function newWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** One run of graphile-worker: its lease owner id, its runners and its connections. */
type Generation = {
  workerId: string;
  shutdown: AbortController;
  pgPool: pg.Pool;
  /** Its id locks the pool's queue rows (graphile-worker 0.17+): they are unlocked when it is retired. */
  taskPool: WorkerPool | null;
  liveRunnerIds: Set<string>;
  /** graphile-worker itself is shutting the pool down (after an error, or a breaking migration). */
  poolStopping: boolean;
  /** Since when every fetch of a job has failed (null: the last one worked). */
  fetchFailingSince: number | null;
  /** A probe of the database while fetches fail, at most one at a time. */
  probing: boolean;
  registration: PoolRegistration | null;
  retired: boolean;
};

/**
 * Starts graphile-worker with the job task under a supervisor, and the
 * cleanup on a timer. All coordination goes through PostgreSQL, so any
 * number of these may run in any number of processes.
 *
 * The supervisor keeps a pool running whatever graphile-worker does. A pool
 * that graphile-worker shuts down by itself (a queue row it could not
 * complete, a runner that exited: since 0.17 it stops the whole pool rather
 * than run on without the runner, graphile/worker#592) is not started again
 * by graphile-worker; nor is a pool whose every fetch fails (the database is
 * down, or the pool is wedged, see `watchEvents`). Either makes the
 * supervisor retire the pool — its in-flight jobs stop at their next output,
 * their leases are released and its queue rows unlocked — and start a new
 * one, until the database answers again. `stop()` is graceful: in-flight
 * jobs stop at their next output and their leases are released (requeued),
 * so another worker picks them up at once.
 */
export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  const supervisor = new WorkerSupervisor(options);
  const ready = supervisor.start();
  ready.catch(() => {});
  return {
    get workerId() {
      return supervisor.workerId;
    },
    ready,
    get restarts() {
      return supervisor.restarts;
    },
    get liveRunners() {
      return supervisor.liveRunners;
    },
    stop: () => supervisor.stop(),
  };
}

class WorkerSupervisor {
  private generation: Generation | null = null;
  private cleanup: CleanupSchedule | null = null;
  private stopping: Promise<void> | null = null;
  private restarting: Promise<void> | null = null;
  restarts = 0;

  constructor(private readonly options: WorkerOptions) {}

  get workerId(): string {
    return this.generation?.workerId ?? "starting";
  }

  get liveRunners(): number {
    return this.generation?.liveRunnerIds.size ?? 0;
  }

  async start(): Promise<void> {
    if (this.options.cronCleanup ?? true) {
      this.cleanup = startCleanupSchedule(this.options.db, this.options.config, this.options.cleanupIntervalMs ?? defaultCleanupIntervalMs);
    }
    this.startGeneration();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.cleanup?.stop();
      await this.restarting;
      const generation = this.generation;
      if (generation) await this.retire(generation, { graceful: true });
      logger.info({ workerId: generation?.workerId }, "worker stopped");
    })();
    return this.stopping;
  }

  /**
   * Starts a pool (unless we are stopping). It needs no database to start:
   * while the database is down its fetches fail, and a pool whose every
   * fetch fails for `fetchFailingRestartMs` is replaced (`watchRunners`)
   * until the database answers.
   */
  private startGeneration(): void {
    if (this.stopping) return;
    const generation = this.newGeneration();
    this.generation = generation;
    const events = new EventEmitter() as WorkerEvents;
    this.watchEvents(generation, events);
    // The task pool alone, without graphile-worker's runner: we schedule
    // nothing with its cron, and this pool is ours to replace. The schema
    // is installed by `prepareDatabase`.
    const taskPool = runTaskList(
      {
        events, concurrency: this.options.concurrency, noHandleSignals: true, pollInterval: pollIntervalMs,
        logger: this.graphileLogger(generation),
        preset: { worker: queueBookkeeping(this.options.concurrency) },
      },
      this.taskList(generation),
      generation.pgPool,
    );
    generation.taskPool = taskPool;
    this.watchPool(generation, taskPool);
    generation.registration = registerPool(this.options.db, generation.workerId, () => [taskPool.id], this.options.config.leaseMs);
    logger.info({ workerId: generation.workerId, concurrency: this.options.concurrency }, "worker started");
  }

  private newGeneration(): Generation {
    // The queue's own bookkeeping (fetching and completing queue rows) commits
    // without waiting for its WAL flush: a row whose fetch or completion a
    // database crash forgets is fetched again, and its job's claim, guarded
    // by status and fenced by the lease, does nothing twice. Every money
    // transaction runs on the app's connections, where commits are durable.
    const pgPool = new pg.Pool(
      poolConfig(this.options.connectionString, {
        max: queuePoolSize(this.options.concurrency), applicationName: "creditworks-queue", startupOptions: "-c synchronous_commit=off",
      }),
    );
    surviveLostConnections(pgPool, "queue");
    // Each running job listens to the pool's shutdown: more than Node's
    // default of 10 listeners is the configured concurrency, not a leak.
    const shutdown = new AbortController();
    setMaxListeners(this.options.concurrency + 10, shutdown.signal);
    return {
      workerId: newWorkerId(), shutdown, pgPool, taskPool: null, liveRunnerIds: new Set(),
      poolStopping: false, fetchFailingSince: null, probing: false, registration: null, retired: false,
    };
  }

  private taskList(generation: Generation) {
    const deps = {
      db: this.options.db,
      provider: this.options.provider,
      config: this.options.config,
      workerId: generation.workerId,
      shutdown: generation.shutdown.signal,
      batches: workerBatches(this.options.db, {
        workerId: generation.workerId, leaseMs: this.options.config.leaseMs, maxAttempts: this.options.config.maxAttempts,
      }),
    };
    return {
      [runJobTask]: async (payload: unknown, helpers: JobHelpers) => {
        const { jobId } = payload as { jobId: string };
        // How long the job waited to be run, from when it became runnable.
        observe("queueLag", Math.max(0, Date.now() - new Date(helpers.job.run_at).getTime()) / 1000);
        await runJob(deps, jobId);
      },
      [deliverWebhookTask]: async (payload: unknown) => {
        const { deliveryId } = payload as { deliveryId: string };
        await deliverWebhook({ db: this.options.db, config: this.options.webhooks ?? webhooksConfigFromEnv() }, deliveryId);
      },
      [budgetThresholdMailTask]: async (payload: unknown) => {
        // A mail that fails to send throws: the queue retries it (at least once).
        await sendBudgetThresholdMail(this.options.db, payload);
      },
      [autoTopupTask]: async (payload: unknown, helpers: JobHelpers) => {
        const { topupId } = payload as { topupId: string };
        try {
          await runAutoTopup(this.options.db, topupId);
        } catch (error) {
          // The queue retries with backoff; once its attempts are spent the
          // top-up is FAILED so that it no longer blocks the next one.
          if (helpers.job.attempts >= helpers.job.max_attempts) await failTopup(this.options.db, topupId, String(error));
          throw error;
        }
      },
    };
  }

  /**
   * The pool's events: its runners (counted for `liveRunners`; they are
   * created during `runTaskList`, hence before it returns), a shutdown that
   * graphile-worker starts by itself, and fetches that keep failing.
   */
  private watchEvents(generation: Generation, events: WorkerEvents): void {
    events.on("worker:create", ({ worker }) => generation.liveRunnerIds.add(worker.workerId));
    events.on("worker:stop", ({ worker }) => generation.liveRunnerIds.delete(worker.workerId));
    events.on("pool:gracefulShutdown", ({ message }) => {
      if (generation.retired) return;
      generation.poolStopping = true;
      // A newer graphile-worker made a breaking change to the queue's schema:
      // this version must not run on it (graphile-worker's own rule; it
      // stops the pool and sets the exit code), so the pool is not replaced.
      if (process.exitCode === breakingMigrationExitCode) {
        logger.error({ workerId: generation.workerId, reason: message }, "the queue's schema is newer than this graphile-worker; jobs stop here");
        return;
      }
      this.restart(`graphile-worker is shutting the pool down: ${message}`);
    });
    // A pool can also wedge with every runner alive: graphile-worker caches
    // the lookup of its task ids as a promise, per pool (getTaskDetails in
    // dist/taskIdentifiers.js, unchanged from 0.16 to 0.18.0), and when that
    // lookup fails with an error it does not retry (a dropped connection, a
    // lock timeout: it retries only serialization failures, deadlocks and
    // "cannot connect now") it keeps the rejected promise, so every later
    // fetch of that pool fails with the same error, forever. No upstream
    // issue found as of 0.18.0. A new pool looks its task ids up again:
    // fetches that keep failing while we did not stop are such a wedge.
    // The local queue fetches for every runner: a fetch that worked says
    // so by this event, one that failed only by its log (`graphileLogger`).
    events.on("localQueue:getJobs:complete", () => (generation.fetchFailingSince = null));
  }

  /** A fetch of queue rows failed: a pool whose fetches keep failing is replaced (see `watchEvents`). */
  private fetchFailed(generation: Generation, error: unknown): void {
    generation.fetchFailingSince ??= Date.now();
    const failingMs = Date.now() - generation.fetchFailingSince;
    if (generation.retired) return;
    if (failingMs >= fetchFailingRestartMs) {
      this.restart(`every fetch of a job has failed for ${fetchFailingRestartMs} ms: ${String(error)}`);
    } else if (failingMs >= fetchFailingWhileDatabaseAnswersMs && !generation.probing) {
      generation.probing = true;
      void this.options.db.$queryRaw`SELECT 1`
        .then(
          () => {
            if (generation.fetchFailingSince !== null && !generation.retired) {
              this.restart(`every fetch of a job has failed for ${failingMs} ms while the database answers: ${String(error)}`);
            }
          },
          () => {},
        )
        .finally(() => (generation.probing = false));
    }
  }

  /**
   * graphile-worker's log, into ours. A failed fetch of the local queue is
   * reported nowhere else (graphile-worker 0.18.0, dist/localQueue.js:
   * "Error occurred fetching jobs"), so it is read here.
   */
  private graphileLogger(generation: Generation): Logger {
    return new Logger((scope) => (level, message, meta) => {
      const log = logger.child({ component: "graphile-worker", ...scope });
      if (level === "error") log.error(meta ?? {}, message);
      else if (level === "warning") log.warn(meta ?? {}, message);
      else log.debug(meta ?? {}, message);
      if (level === "error" && message.startsWith(localQueueFetchFailed)) this.fetchFailed(generation, meta?.error ?? message);
    });
  }

  /** A pool that ends while we did not ask for it, and without the shutdown event `watchEvents` acts on: restart. */
  private watchPool(generation: Generation, taskPool: WorkerPool): void {
    const unexpected = () => !generation.retired && !generation.poolStopping;
    taskPool.promise.then(
      () => unexpected() && this.restart("the worker pool stopped"),
      (error: unknown) => unexpected() && this.restart(`the worker pool failed: ${String(error)}`),
    );
  }

  private restart(reason: string): void {
    if (this.stopping || this.restarting) return;
    const generation = this.generation;
    if (!generation) return;
    this.restarts++;
    increment("workerRestarts");
    logger.warn({ workerId: generation.workerId, reason }, "worker pool stopped or wedged; replacing it");
    this.restarting = (async () => {
      await this.retire(generation, { graceful: false });
      this.startGeneration();
    })().finally(() => {
      this.restarting = null;
    });
  }

  /**
   * Stops a pool and gives its work back: jobs still leased to it go back to
   * PENDING (requeued, outputs kept) and its queue rows are unlocked, so
   * nothing waits for a lease or for graphile-worker's four-hour lock
   * timeout.
   */
  private async retire(generation: Generation, options: { graceful: boolean }): Promise<void> {
    generation.retired = true;
    generation.shutdown.abort();
    const taskPool = generation.taskPool;
    if (taskPool) {
      // A pool that graphile-worker is already shutting down is waited for, not asked again.
      const stopped = generation.poolStopping ? taskPool.promise : Promise.resolve(taskPool.gracefulShutdown("worker pool retired"));
      await withTimeout(stopped, poolStopTimeoutMs).catch((error: unknown) => logger.debug({ err: error }, "worker pool stop"));
    }
    await withTimeout(generation.pgPool.end(), poolStopTimeoutMs).catch(() => {});
    for (let attempt = 0; ; attempt++) {
      try {
        const released = await money.releaseLeases(this.options.db, generation.workerId);
        if (taskPool) await unlockQueueRows(this.options.db, [taskPool.id]);
        await generation.registration?.stop();
        if (released > 0) logger.info({ workerId: generation.workerId, released }, "leases released");
        return;
      } catch (error) {
        // On a graceful stop the database may be gone for good: the
        // cleanup recovers the leases when they expire.
        if (options.graceful || this.stopping) return;
        await sleep(restartBackoffMs[Math.min(attempt, restartBackoffMs.length - 1)]!);
        logger.debug({ err: error }, "releasing leases; retrying");
      }
    }
  }
}

/** Unlocks the queue rows that graphile-worker pools (by their ids) still hold. */
async function unlockQueueRows(client: Db, poolIds: string[]): Promise<void> {
  await client.$executeRaw`SELECT graphile_worker.force_unlock_workers(${poolIds}::text[])`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How graphile-worker 0.18.0 logs a failed fetch of its local queue. */
const localQueueFetchFailed = "Error occurred fetching jobs";
