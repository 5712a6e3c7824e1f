import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

import pg from "pg";

import { summarize, type LatencySummary } from "./stats";

export type BaselineResult = { tool: "pgbench" | "pg-loop"; tps: number; latency: LatencySummary; errors: number; transactions: number };

const script = path.join(import.meta.dirname, "raw-create.sql");

export function hasPgbench(): boolean {
  try {
    execFileSync("pgbench", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The raw-SQL limit of the same work (bench/raw-create.sql) against the same
 * server: pgbench when installed (per-transaction log for the percentiles),
 * otherwise a loop of `pg` clients running the same statements.
 */
export async function runBaseline(options: {
  databaseUrl: string; tag: string; accounts: number; clients: number; durationS: number; workDir: string;
}): Promise<BaselineResult> {
  return hasPgbench() ? runPgbench(options) : runPgLoop(options);
}

async function runPgbench(options: {
  databaseUrl: string; tag: string; accounts: number; clients: number; durationS: number; workDir: string;
}): Promise<BaselineResult> {
  const logDir = path.join(options.workDir, `pgbench-${options.tag}`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const args = [
    "-n", "-M", "prepared", "-c", String(options.clients), "-j", "2", "-T", String(options.durationS),
    "-D", `tag=${options.tag}`, "-D", `accounts=${options.accounts}`, "-f", script,
    "-l", `--log-prefix=${path.join(logDir, "tx")}`, options.databaseUrl,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench failed (${code}):\n${text.slice(-2000)}`))));
  });
  const latencies: number[] = [];
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(path.join(logDir, file), "utf8").split("\n")) {
      const micros = Number(line.split(" ")[2]);
      if (Number.isFinite(micros) && line.length > 0) latencies.push(micros / 1000);
    }
  }
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? NaN);
  const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
  return { tool: "pgbench", tps, latency: summarize(latencies), errors: failed, transactions: latencies.length };
}

/** The fallback: the same statements from `clients` pg connections in a closed loop. */
async function runPgLoop(options: {
  databaseUrl: string; tag: string; accounts: number; clients: number; durationS: number;
}): Promise<BaselineResult> {
  const latencies: number[] = [];
  let errors = 0;
  const endAt = Date.now() + options.durationS * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      while (Date.now() < endAt) {
        const userId = `${options.tag}-u-${1 + Math.floor(Math.random() * options.accounts)}`;
        const started = performance.now();
        try {
          await rawCreate(client, userId);
          latencies.push(performance.now() - started);
        } catch {
          errors++;
          await client.query("ROLLBACK").catch(() => {});
        }
      }
      await client.end();
    }),
  );
  return { tool: "pg-loop", tps: latencies.length / options.durationS, latency: summarize(latencies), errors, transactions: latencies.length };
}

async function rawCreate(client: pg.Client, userId: string): Promise<void> {
  await client.query("BEGIN");
  const debit = await client.query<{ before: number; after: number }>(
    `UPDATE workspace SET balance = balance - 2 WHERE id = $1 AND balance >= 2
     RETURNING balance + 2 AS before, balance AS after`, [userId]);
  const balance = debit.rows[0];
  if (!balance) throw new Error("no credits");
  await client.query(
    `SELECT count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING')) AS active,
            count(*) FILTER (WHERE created_at > clock_timestamp() - interval '60 seconds') AS recent
     FROM job WHERE workspace_id = $1 AND (status IN ('PENDING', 'PROCESSING') OR created_at > clock_timestamp() - interval '60 seconds')`,
    [userId]);
  const job = await client.query<{ id: string }>(
    `INSERT INTO job (id, workspace_id, actor_user_id, model_id, prompt, outputs_requested, price_per_output, total_cost,
       idempotency_key, request_hash, deadline_at, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $1, 'storyteller-v1', 'raw baseline', 1, 2, 2, gen_random_uuid()::text, 'raw',
       clock_timestamp() + interval '1 hour', clock_timestamp(), clock_timestamp()) RETURNING id`, [userId]);
  const jobId = job.rows[0]!.id;
  const entry = await client.query<{ id: string }>(
    `INSERT INTO ledger_entry (workspace_id, kind, amount, balance_before, balance_after, job_id, actor_type, actor_id, reason, created_at)
     VALUES ($1, 'CHARGE', -2, $2, $3, $4, 'USER', $1, 'Generation job', clock_timestamp()) RETURNING id`,
    [userId, balance.before, balance.after, jobId]);
  await client.query(
    `INSERT INTO credit_draw (entry_id, grant_id, amount)
     SELECT $2, id, -2 FROM credit_grant WHERE workspace_id = $1 AND closed_at IS NULL AND remaining >= 2
     ORDER BY priority, expires_at, id LIMIT 1`,
    [userId, entry.rows[0]!.id]);
  await client.query(`SELECT graphile_worker.add_job('run-job', json_build_object('jobId', $1::text), max_attempts := 5)`, [jobId]);
  await client.query(
    `INSERT INTO job_event (job_id, type, worker_id, data, created_at) VALUES ($1, 'created', NULL, '{"cost":2,"outputs":1}', clock_timestamp())`,
    [jobId]);
  await client.query("COMMIT");
}
