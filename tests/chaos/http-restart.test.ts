import { EventEmitter, once } from "node:events";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { CreatedJob } from "~/server/money/create-job";

import { sleep } from "../fixtures/concurrency";
import { startOwnDatabase, type OwnDatabase } from "../fixtures/own-database";
import { callTrpc } from "../fixtures/trpc-http";
import { startWebProcess, type WebProcess } from "../fixtures/web-process-spawn";

// Issue 21: PostgreSQL restarted under HTTP load. A web process of this
// file's own (tests/fixtures/web-process.ts: the real tRPC, REST and route
// handlers) serves clients that loop as a browser and an API user do, on a
// supervised PostgreSQL of the file's own (what `npm start` runs). Warm, the
// postmaster is SIGKILLed, its supervisor starts it again on the same data
// directory, and the load goes on until a while after the first answer that
// reached the restarted server. Every answer is counted by phase, endpoint
// and status: no 500 ever; outside the restart window, no 503 either;
// inside it, a 503 is the typed CONFLICT_RETRY with Retry-After (health: its
// own "database unreachable"). Afterwards every idempotency key has one job
// and one charge, and every account reconciles.

const clientsCount = 8;
/** Load before the kill, and after the first answer from the restarted server. */
const warmMs = 5_000;
const recoveredMs = 5_000;
/** A client gives up on one idempotency key after this many 503s (the outage lasts a few seconds). */
const createAttemptsMax = 60;
const creditsEach = 100_000;
/** Text kept of an answer other than 200, for the failure message. */
const answerTextMax = 300;

const endpoints = ["credits.summary", "jobs.list", "jobs.create", "GET /api/v1/balance", "GET /api/health"] as const;
type Endpoint = (typeof endpoints)[number];
type Phase = "warm" | "restart" | "recovered";

/**
 * A moment of the run: `seq` orders the run's events by cause (this
 * process is single-threaded, so an answer numbered before the kill was
 * answered before it, however close the clock), `at` is the wall clock,
 * for the report.
 */
type Moment = { seq: number; at: number };

type Answer = {
  endpoint: Endpoint;
  sent: Moment;
  answered: Moment;
  status: number | "network error";
  retryAfter: string | null;
  code: string | null;
  text: string;
};

/** `created`: one entry per idempotency key answered 200; `replayed` when the key's job already existed (an earlier answer was lost). */
type Client = { userId: string; cookie: string; apiKey: string; created: { key: string; jobId: string; replayed: boolean }[] };

type Run = {
  baseUrl: string;
  answers: Answer[];
  stopping: boolean;
  seq: number;
  killed: Moment | null;
  /** When the supervisor said the server accepts connections again. */
  back: Moment | null;
  /** When the first answer to a request sent after `back` came back 200: the restart window ends. */
  recovered: Moment | null;
  events: EventEmitter;
};

const database = new EventEmitter();
let own: OwnDatabase;
let web: WebProcess;
let app: Awaited<ReturnType<typeof importApp>>;

async function importApp() {
  const [helpers, sessions, rest] = await Promise.all([import("../helpers"), import("../fixtures/sessions"), import("../fixtures/rest")]);
  return { ...helpers, ...sessions, ...rest };
}

beforeAll(async () => {
  own = await startOwnDatabase({
    supervise: true,
    log: (message) => {
      console.log(`[chaos-http] ${message}`);
      if (message.startsWith("PostgreSQL is back")) database.emit("back");
    },
  });
  process.env.DATABASE_URL = own.url;
  app = await importApp();
  // A short retry budget, so that the outage reaches the clients as 503s
  // instead of being waited out inside the server (production's is 10 s);
  // limits that a loop creating jobs with no worker to finish them never meets.
  web = await startWebProcess(own.url, { DATABASE_RETRY_BUDGET_MS: "500", MAX_ACTIVE_JOBS: "10000", RATE_LIMIT_PER_MINUTE: "100000" });
}, 120_000);

afterAll(async () => {
  web?.child.kill("SIGKILL");
  await app?.db.$disconnect();
  await own?.stop();
});

async function newClient(index: number): Promise<Client> {
  const { user, cookie } = await app.signedUpUser({
    email: `http-restart-${index}-${Date.now()}@example.test`, password: "correct-horse-battery", name: `Client ${index}`, credits: creditsEach,
  });
  return { userId: user.id, cookie, apiKey: await app.keyFor(user), created: [] };
}

/** The code an answer other than 200 carries: tRPC's appCode, REST's problem code, or health's database state. */
function codeOf(endpoint: Endpoint, text: string): string | null {
  let body: { error?: { json?: { data?: { appCode?: string } } }; code?: string; status?: string; database?: string };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return null;
  }
  if (endpoint === "GET /api/health") return body.status === "error" ? `database ${body.database}` : null;
  if (endpoint === "GET /api/v1/balance") return body.code ?? null;
  return body.error?.json?.data?.appCode ?? null;
}

function now(run: Run): Moment {
  return { seq: ++run.seq, at: Date.now() };
}

function record(run: Run, answer: Answer): void {
  run.answers.push(answer);
  run.events.emit("answer");
  const reachedRestartedServer = run.back !== null && answer.sent.seq > run.back.seq;
  if (answer.status === 200 && reachedRestartedServer && run.recovered === null) {
    run.recovered = answer.answered;
    run.events.emit("recovered");
  }
}

/**
 * Sends one request and records its answer; after a 503 it waits what
 * Retry-After says, as a well-behaved client does.
 */
async function ask<T extends { status: number; headers: Headers; text: string }>(run: Run, endpoint: Endpoint, send: () => Promise<T>): Promise<T | null> {
  const sent = now(run);
  let answer: T;
  try {
    answer = await send();
  } catch (error) {
    record(run, { endpoint, sent, answered: now(run), status: "network error", retryAfter: null, code: null, text: String(error) });
    return null;
  }
  const retryAfter = answer.headers.get("retry-after");
  const code = answer.status === 200 ? null : codeOf(endpoint, answer.text);
  record(run, { endpoint, sent, answered: now(run), status: answer.status, retryAfter, code, text: answer.status === 200 ? "" : answer.text.slice(0, answerTextMax) });
  if (answer.status === 503 && retryAfter !== null) await sleep(Number(retryAfter) * 1000);
  return answer;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/**
 * One client's loop: the dashboard's reads with the session cookie, a job
 * created under an idempotency key that is sent again after a 503 until it
 * is answered, the REST balance with an API key, and the health check. It
 * ends after `run.stopping` once its last key is answered.
 */
async function runClient(run: Run, client: Client): Promise<void> {
  const { cookie } = client;
  let request = app.jobRequest({ outputs: 1, prompt: "A harbour during a power cut" });
  let attempts = 0;
  for (;;) {
    await ask(run, "credits.summary", () => callTrpc(run.baseUrl, "GET", "credits.summary", { cookie }));
    await ask(run, "jobs.list", () => callTrpc(run.baseUrl, "GET", "jobs.list", { cookie, input: {} }));
    await ask(run, "GET /api/v1/balance", () => get(`${run.baseUrl}/api/v1/balance`, { authorization: `Bearer ${client.apiKey}` }));
    await ask(run, "GET /api/health", () => get(`${run.baseUrl}/api/health`));
    const input = request;
    const created = await ask(run, "jobs.create", () => callTrpc(run.baseUrl, "POST", "jobs.create", { cookie, origin: run.baseUrl, input }));
    if (created?.status === 200) {
      const { job, replayed } = created.data as CreatedJob;
      client.created.push({ key: request.idempotencyKey, jobId: job.id, replayed });
      if (run.stopping) return;
      request = app.jobRequest({ outputs: 1, prompt: "A harbour during a power cut" });
      attempts = 0;
    } else if (++attempts >= createAttemptsMax) {
      throw new Error(`jobs.create with key ${request.idempotencyKey} was not answered 200 in ${createAttemptsMax} attempts`);
    }
  }
}

/** The restart window is every request that overlapped [kill, first answer from the restarted server). */
function phaseOf(answer: Answer, killed: Moment, recovered: Moment): Phase {
  if (answer.answered.seq < killed.seq) return "warm";
  if (answer.sent.seq > recovered.seq) return "recovered";
  return "restart";
}

function labelOf(answer: Answer): string {
  return answer.code === null ? String(answer.status) : `${answer.status} ${answer.code}`;
}

type Counts = Record<Phase, Record<string, number>>;

/** Answers counted by phase and label, over all endpoints and per endpoint. */
function countAnswers(answers: Answer[], killed: Moment, recovered: Moment) {
  const empty = (): Counts => ({ warm: {}, restart: {}, recovered: {} });
  const total = empty();
  const byEndpoint: Partial<Record<Endpoint, Counts>> = {};
  for (const answer of answers) {
    const phase = phaseOf(answer, killed, recovered);
    const label = labelOf(answer);
    total[phase][label] = (total[phase][label] ?? 0) + 1;
    const endpoint = (byEndpoint[answer.endpoint] ??= empty());
    endpoint[phase][label] = (endpoint[phase][label] ?? 0) + 1;
  }
  return { total, byEndpoint };
}

/** Every key a client was answered for has one job, that job, and one CHARGE entry; the account reconciles. */
async function expectChargedOncePerKey(client: Client): Promise<void> {
  const jobs = await app.db.job.findMany({ where: { workspaceId: client.userId }, select: { id: true, idempotencyKey: true, chargeEntryId: true } });
  const byKey = (rows: { key: string; jobId: string }[]) => Object.fromEntries(rows.map((row) => [row.key, row.jobId]));
  expect(jobs).toHaveLength(client.created.length);
  expect(byKey(jobs.map((job) => ({ key: job.idempotencyKey, jobId: job.id })))).toEqual(byKey(client.created));
  const charges = await app.db.ledgerEntry.findMany({ where: { workspaceId: client.userId, kind: "CHARGE" }, select: { id: true, jobId: true } });
  expect(charges.map((charge) => charge.jobId).sort()).toEqual(jobs.map((job) => job.id).sort());
  const chargeOf = Object.fromEntries(charges.map((charge) => [charge.jobId, charge.id]));
  for (const job of jobs) expect(job.chargeEntryId).toBe(chargeOf[job.id]);
  await app.expectConserved(client.userId, expect);
}

function expectOutageAnswer(answer: Answer): void {
  const what = `${answer.endpoint} during the restart: ${answer.text}`;
  if (answer.status === 200) return;
  expect(answer.status, what).toBe(503);
  if (answer.endpoint === "GET /api/health") {
    expect(answer.code, what).toMatch(/^database (unreachable|timeout)$/);
    return;
  }
  expect(answer.code, what).toBe("CONFLICT_RETRY");
  expect(Number(answer.retryAfter), what).toBeGreaterThanOrEqual(1);
}

/** Prints how long the outage lasted and every count, as the other chaos runs print their report. */
function printReport(run: Run, clients: Client[], killed: Moment, recovered: Moment): void {
  const counts = countAnswers(run.answers, killed, recovered);
  console.log(
    `[chaos-http] PostgreSQL down ${run.back!.at - killed.at} ms (SIGKILL to accepting connections); ` +
      `restart window ${recovered.at - killed.at} ms (SIGKILL to the first answer from the restarted server)`,
  );
  console.log(`[chaos-http] answers by phase and status ${JSON.stringify(counts.total, null, 1)}`);
  console.log(`[chaos-http] answers by endpoint, phase and status ${JSON.stringify(counts.byEndpoint)}`);
  const warnings: Record<string, number> = {};
  for (const line of web.lines.filter((line) => (line.level as number) >= 40)) warnings[String(line.msg)] = (warnings[String(line.msg)] ?? 0) + 1;
  console.log(`[chaos-http] the web process's warnings and errors by message ${JSON.stringify(warnings)}`);
  const created = clients.flatMap((client) => client.created);
  const replayed = created.filter((job) => job.replayed).length;
  console.log(`[chaos-http] ${created.length} jobs created by ${clients.length} clients, ${replayed} of them answered by a replay of their key`);
}

/** Resolves once every endpoint has answered 200 to a request sent after the event numbered `since` (whatever the machine's speed). */
async function everyEndpointServed(run: Run, since: number): Promise<void> {
  const served = () => endpoints.every((endpoint) => run.answers.some((answer) => answer.endpoint === endpoint && answer.status === 200 && answer.sent.seq > since));
  while (!served()) await once(run.events, "answer");
}

/**
 * Warm load, then SIGKILL of the postmaster; resolves `recoveredMs` after
 * the first answer from the restarted server (and once every endpoint has
 * been served since), once every client has ended. A client whose loop
 * throws ends every wait at once.
 */
async function loadThroughRestart(run: Run, clients: Client[]): Promise<void> {
  const loops = Promise.all(clients.map((client) => runClient(run, client)));
  await Promise.race([Promise.all([sleep(warmMs), everyEndpointServed(run, 0)]), loops]);
  database.once("back", () => {
    run.back = now(run);
  });
  const back = once(database, "back");
  const recovered = once(run.events, "recovered");
  run.killed = now(run);
  process.kill(own.server.pid()!, "SIGKILL");
  await Promise.race([back, loops]);
  await Promise.race([recovered, loops]);
  await Promise.race([Promise.all([sleep(recoveredMs), everyEndpointServed(run, run.recovered!.seq)]), loops]);
  run.stopping = true;
  await loops;
}

describe("PostgreSQL restarted under HTTP load", () => {
  // The run takes about 20 s of load plus the restart; the bound only stops
  // a hung run on a busy 2-core machine, it measures nothing.
  it("answers no 500 ever, no 503 outside the restart window, a typed CONFLICT_RETRY inside it, and charges each key once", async () => {
    const clients = await Promise.all(Array.from({ length: clientsCount }, (_, index) => newClient(index)));
    const run: Run = { baseUrl: web.baseUrl, answers: [], stopping: false, seq: 0, killed: null, back: null, recovered: null, events: new EventEmitter() };
    await loadThroughRestart(run, clients);
    const killed = run.killed!;
    const recovered = run.recovered!;
    printReport(run, clients, killed, recovered);

    const serverErrors = run.answers.filter((answer) => typeof answer.status === "number" && answer.status >= 500 && answer.status !== 503);
    expect(serverErrors, "500s over the whole run").toEqual([]);
    // Nor did any request fail on the server without its client seeing it.
    expect(web.lines.filter((line) => (line.level as number) >= 50), "the web process's errors").toEqual([]);
    for (const phase of ["warm", "recovered"] as const) {
      const inPhase = run.answers.filter((answer) => phaseOf(answer, killed, recovered) === phase);
      expect(inPhase.filter((answer) => answer.status !== 200), `answers other than 200 while ${phase}`).toEqual([]);
      for (const endpoint of endpoints) expect(inPhase.some((answer) => answer.endpoint === endpoint), `${endpoint} answered while ${phase}`).toBe(true);
    }
    const restart = run.answers.filter((answer) => phaseOf(answer, killed, recovered) === "restart");
    for (const answer of restart) expectOutageAnswer(answer);
    // The run exercised what it claims to: the outage reached the clients.
    expect(restart.some((answer) => answer.code === "CONFLICT_RETRY")).toBe(true);
    expect(own.server.restarts()).toBe(1);

    for (const client of clients) await expectChargedOncePerKey(client);
  }, 180_000);
});
