import { readdirSync, readFileSync } from "node:fs";

import type pg from "pg";

/** Clock ticks per second of /proc's utime and stime (getconf CLK_TCK; 100 on Linux). */
const ticksPerSecond = 100;

type ProcStat = { pid: number; ppid: number; cpuTicks: number };

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: the fields after it start after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // utime + stime, and cutime + cstime: the CPU of children it has reaped
    // (a backend that exited during the window is counted by the postmaster).
    const cpuTicks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { pid, ppid: Number(fields[1]), cpuTicks };
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== null);
}

/**
 * CPU time (user + system, ms) of the process trees rooted at `roots`, per
 * process: a sample to subtract from a later one. Processes that start in
 * between count from zero; those that end in between are counted by their
 * parent once it has reaped them (cutime/cstime), as PostgreSQL's postmaster
 * does for its backends.
 */
export function sampleCpu(roots: number[]): Map<number, number> {
  const stats = allStats();
  const children = new Map<number, number[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
  const byPid = new Map(stats.map((stat) => [stat.pid, stat]));
  const sample = new Map<number, number>();
  const visit = (pid: number) => {
    const stat = byPid.get(pid);
    if (!stat || sample.has(pid)) return;
    sample.set(pid, (stat.cpuTicks * 1000) / ticksPerSecond);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  for (const root of roots) visit(root);
  return sample;
}

/**
 * A client backend's title: "postgres: <user> <database> <host>(<port>) <state>"
 * (the server's own processes are "postgres: checkpointer", "… walwriter",
 * "… autovacuum worker <database>" and so on).
 */
const backendTitle = /^postgres: \S+ \S+ (\S+\(\d+\)|\[local\])/;

function isClientBackend(pid: number): boolean {
  try {
    return backendTitle.test(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
  } catch {
    return false;
  }
}

/**
 * Measures the CPU time (ms) of the server's client backends only: the work
 * the statements themselves cost, without the WAL writer, checkpointer,
 * background writer and autovacuum that `sampleCpu` of the postmaster also
 * counts. A backend that ends during the window (pgbench's, when it stops)
 * is only counted by its parent once reaped, mixed with autovacuum workers,
 * so the backends are sampled every `intervalMs` and each counts up to its
 * last sample: at most one interval of each ending backend is missed, which
 * can only make the measured side look cheaper.
 */
export function meterBackendCpu(postmasterPid: number, intervalMs = 200): { stop: () => number } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = (initial: boolean) => {
    for (const [pid, ms] of sampleCpu([postmasterPid])) {
      if (pid === postmasterPid || !isClientBackend(pid)) continue;
      if (!first.has(pid)) first.set(pid, initial ? ms : 0);
      last.set(pid, ms);
    }
  };
  sample(true);
  const timer = setInterval(() => sample(false), intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample(false);
      let total = 0;
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
      return total;
    },
  };
}

/** CPU ms spent between two samples. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** Top-level statements the server executed (pg_stat_statements, this database), for deltas. */
export async function statementsExecuted(sql: pg.Client): Promise<number> {
  const { rows } = await sql.query<{ calls: string }>(
    `SELECT COALESCE(sum(calls), 0)::text AS calls FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return Number(rows[0]?.calls ?? 0);
}
