import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import pg from "pg";

import type { Random } from "./random";

const killPoints = ["after-claim", "mid-output", "before-settle", "none"] as const;
const respawnDelayMs = 150;
const stderrKeptChars = 4_000;
const workerScript = path.join(import.meta.dirname, "worker-process.ts");

export type FaultCounts = {
  workersSpawned: number;
  plannedCrashes: number;
  externalKills: number;
  backendsTerminated: number;
  cleanupCalls: number;
  cleanupErrors: number;
  /** The database server killed with SIGKILL (and brought back by its supervisor). */
  databaseCrashes: number;
};

export const emptyFaultCounts = (): FaultCounts => ({
  workersSpawned: 0, plannedCrashes: 0, externalKills: 0, backendsTerminated: 0, cleanupCalls: 0, cleanupErrors: 0,
  databaseCrashes: 0,
});

/**
 * Worker processes (tests/chaos/worker-process.ts) kept at `size`: each one
 * gets a crash plan drawn from the seeded stream, and a dead one is
 * replaced while `respawn` is on. `calm()` makes replacements crash-free.
 */
export class WorkerPool {
  private readonly children = new Set<ChildProcess>();
  /** Workers this pool killed itself: their death is not a planned crash. */
  private readonly killedHere = new WeakSet<ChildProcess>();
  private respawn = true;
  private crashing = true;
  lastStderr = "";

  constructor(
    private readonly size: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly rng: Random,
    private readonly counts: FaultCounts,
  ) {}

  start(): void {
    for (let slot = 0; slot < this.size; slot++) this.spawnOne();
  }

  private spawnOne(): void {
    const point = this.crashing ? this.rng.pick(killPoints) : "none";
    const atJob = this.rng.int(1, 4);
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", workerScript], {
      env: { ...this.env, CHAOS_KILL_POINT: point, CHAOS_KILL_AT_JOB: String(atJob) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.counts.workersSpawned++;
    child.stderr?.on("data", (chunk: Buffer) => {
      this.lastStderr = (this.lastStderr + chunk.toString()).slice(-stderrKeptChars);
    });
    this.children.add(child);
    child.once("exit", (_code, signal) => {
      this.children.delete(child);
      if (signal === "SIGKILL" && point !== "none" && !this.killedHere.has(child)) this.counts.plannedCrashes++;
      if (this.respawn) setTimeout(() => this.respawn && this.spawnOne(), respawnDelayMs);
    });
  }

  /** SIGKILL one live worker chosen by the seeded stream, wherever it is. */
  killOne(): void {
    const live = [...this.children];
    if (live.length === 0) return;
    const victim = this.rng.pick(live);
    this.killedHere.add(victim);
    victim.kill("SIGKILL");
    this.counts.externalKills++;
  }

  /** From now on replacements do not crash, and the crash-planned workers are replaced. */
  calm(): void {
    this.crashing = false;
    for (const child of [...this.children]) {
      this.killedHere.add(child);
      child.kill("SIGKILL");
    }
  }

  /** Stops every worker gracefully (SIGTERM: leases released) and spawns no more. */
  async stop(): Promise<void> {
    this.respawn = false;
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  }

  get liveCount(): number {
    return this.children.size;
  }
}

/**
 * Terminates one backend of the database (preferring one inside a
 * transaction or a statement), chosen by the seeded stream: the server side
 * of a connection killed mid-transaction.
 */
export async function terminateOneBackend(databaseUrl: string, rng: Random, counts: FaultCounts): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; busy: boolean }>(
      `SELECT pid, state IN ('active', 'idle in transaction') AS busy FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
       ORDER BY pid`,
    );
    const busy = rows.filter((row) => row.busy);
    const pool = busy.length > 0 ? busy : rows;
    if (pool.length === 0) return;
    const victim = rng.pick(pool);
    await client.query("SELECT pg_terminate_backend($1)", [victim.pid]);
    counts.backendsTerminated++;
  } finally {
    await client.end().catch(() => {});
  }
}
