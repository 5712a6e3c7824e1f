import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";

import { binaries, startEmbeddedPostgres, type EmbeddedServer } from "../../scripts/lib/embedded-postgres";
import { sleep } from "../fixtures/concurrency";
import { freePort } from "../../scripts/lib/free-port";

// The embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset
// (scripts/lib/embedded-postgres.ts): supervised, restarted after a crash,
// tolerant of a stale lock file and of a server someone started by hand,
// and stopped by a fast shutdown.

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newDataDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), "creditworks-embedded-"));
  chmodSync(root, 0o777);
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return path.join(root, "pg");
}


async function start(dataDir: string, port: number, options: { supervise?: boolean } = {}) {
  const logs: string[] = [];
  const server = await startEmbeddedPostgres({ dataDir, port, supervise: options.supervise ?? true, log: (line) => logs.push(line) });
  cleanups.push(() => server.stop());
  return { server, logs };
}

async function query(server: EmbeddedServer, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: server.url("postgres"), connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function waitForQuery(server: EmbeddedServer, timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  for (;;) {
    try {
      await query(server, "SELECT 1");
      return Date.now() - startedAt;
    } catch (error) {
      if (Date.now() - startedAt > timeoutMs) throw error;
      await sleep(100);
    }
  }
}

function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      try {
        process.kill(pid, 0);
      } catch {
        return resolve();
      }
      if (Date.now() - startedAt > timeoutMs) return reject(new Error(`pid ${pid} still alive`));
      setTimeout(check, 50);
    };
    check();
  });
}

describe("the supervised embedded PostgreSQL", () => {
  it("comes back by itself after kill -9, on the same data, with a new pid", async () => {
    const { server, logs } = await start(newDataDir(), await freePort());
    await query(server, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)");
    const firstPid = server.pid()!;
    process.kill(firstPid, "SIGKILL");
    // Crash recovery takes about a second; the wait gives up at twenty.
    await waitForQuery(server, 20_000);
    expect(server.restarts()).toBe(1);
    expect(server.pid()).not.toBe(firstPid);
    expect(await query(server, "SELECT n FROM kept")).toEqual([{ n: 7 }]);
    expect(logs.some((line) => line.includes("exited unexpectedly"))).toBe(true);
    expect(logs.some((line) => line.includes("is back"))).toBe(true);
  }, 60_000);

  it("starts over a stale postmaster.pid left by a killed server", async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const first = await start(dataDir, port, { supervise: false });
    const pid = first.server.pid()!;
    process.kill(pid, "SIGKILL");
    await waitForExit(pid, 5_000);
    const second = await startEmbeddedPostgres({ dataDir, port, supervise: false });
    cleanups.push(() => second.stop());
    expect(await query(second, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  }, 60_000);

  it("uses a server started by hand on its data directory, says so, and leaves it running on stop", async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const first = await start(dataDir, port, { supervise: false });
    await first.server.stop();
    // Started by hand, outside the launcher (as `pg_ctl start` would).
    const { postgres } = await binaries();
    const byHand = spawn(postgres, ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"], {
      ...(process.getuid?.() === 0 ? await postgresIdentity() : {}),
      stdio: "ignore",
      detached: true,
    });
    cleanups.push(() => {
      byHand.kill("SIGKILL");
    });
    await waitForQuery(first.server, 10_000);
    const logs: string[] = [];
    const adopted = await startEmbeddedPostgres({ dataDir, port, log: (line) => logs.push(line) });
    expect(adopted.pid()).toBe(byHand.pid);
    expect(logs.join("\n")).toMatch(/already running .* not started by this launcher/);
    await adopted.stop();
    expect(await query(adopted, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
  }, 60_000);

  it("refuses, with a clear message, a server running on its data directory but on another port", async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    await start(dataDir, port, { supervise: false });
    await expect(startEmbeddedPostgres({ dataDir, port: port + 1 })).rejects.toThrow(/already running .* on port \d+ instead of \d+/);
  }, 60_000);

  it("stops with a fast shutdown, even with open connections and a transaction in progress", async () => {
    const { server } = await start(newDataDir(), await freePort());
    const client = new pg.Client({ connectionString: server.url("postgres") });
    client.on("error", () => {});
    await client.connect();
    await client.query("BEGIN");
    const pid = server.pid()!;
    // The first signal ends it (a smart shutdown would wait for the open
    // transaction forever; the escalation to SIGQUIT and SIGKILL is for a
    // server that does not answer SIGINT at all).
    expect(await server.stop()).toBe("fast");
    await waitForExit(pid, 10_000);
  }, 60_000);
});

async function postgresIdentity(): Promise<{ uid: number; gid: number }> {
  const { execFileSync } = await import("node:child_process");
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}
