import { createCaller } from "~/server/trpc/root";
import { createContextInner } from "~/server/trpc/procedures";
import type { SessionUser } from "~/server/auth/auth";
import type { ContextUser } from "~/server/trpc/procedures";

import type { History } from "./history";
import type { MembershipTimeline } from "./members";
import type { Random } from "./random";

type Caller = ReturnType<typeof createCaller>;
type JobRequest = { idempotencyKey: string; modelId: string; prompt: string; outputs: number };
type SeenJob = { id: string; totalCost: number; modelId: string; prompt: string; outputsRequested: number };

const models = ["storyteller-v1", "canvas-v1", "pose-pack-v1"] as const;
const prompts = ["a lighthouse", "a fox in snow", "storm over #fail", "three moons #fail-output-2", "tea ceremony"];
const retriesOnUnknownMax = 6;
const thinkTimeMsMax = 15;

/**
 * The client-side model a run is checked against: which job each
 * (user, key) got, which grant each admin key made, which accounts have
 * budgets, and how many reads were done.
 */
export class Model {
  readonly jobsByKey = new Map<string, SeenJob>();
  readonly keysSent = new Set<string>();
  /** How many answers said `replayed: false` for a (user, key): more than one is a double charge. */
  readonly freshAnswers = new Map<string, number>();
  readonly grantsByKey = new Map<string, { entryId: string; userId: string; amount: number }>();
  /** Accounts given a budget: only their creates may be refused with BUDGET_EXCEEDED. */
  readonly budgetedUsers = new Set<string>();
  readsDone = 0;
  /** The team's membership as its owner changed it: the team clients' creates are checked against it after the run. */
  membership: MembershipTimeline | null = null;
}

/** The workspace a client acts in: its session's, else the user's personal one (whose id is the user's). */
const workspaceIdOf = (user: ContextUser) => user.workspace?.id ?? user.id;
/** A (workspace, idempotency key) pair, as the job table's unique key has it. */
const slotOf = (user: ContextUser, key: string) => `${workspaceIdOf(user)}:${key}`;
/** A member of a team, whose creates the owner's removals may refuse (FORBIDDEN). */
const inTeam = (user: ContextUser) => user.workspace?.kind === "TEAM";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function callerFor(user: ContextUser): Caller {
  return createCaller(createContextInner({ user }));
}

/**
 * One user's client in one workspace (their personal one, or a team's as a
 * member's session holds it): random creates (new, replayed, concurrent,
 * reused keys), cancels and reads.
 */
export async function runUserClient(user: ContextUser, rng: Random, history: History, model: Model, until: () => boolean) {
  const caller = callerFor(user);
  const client = `${inTeam(user) ? "member" : "user"}:${user.id.slice(0, 8)}`;
  const mine: JobRequest[] = [];
  const fresh = (): JobRequest => ({
    idempotencyKey: rng.uuid(), modelId: rng.pick(models), prompt: rng.pick(prompts), outputs: rng.int(1, 4),
  });
  while (!until()) {
    const roll = rng.next();
    const previous = mine.length > 0 ? rng.pick(mine) : null;
    if (roll < 0.35 || !previous) {
      const request = fresh();
      mine.push(request);
      await createOnce(caller, user, client, request, history, model, "create");
    } else if (roll < 0.45) {
      await createOnce(caller, user, client, previous, history, model, "replay");
    } else if (roll < 0.53) {
      const request = fresh();
      mine.push(request);
      const copies = rng.int(2, 4);
      await Promise.all(Array.from({ length: copies }, () => createOnce(caller, user, client, request, history, model, "create-concurrent")));
    } else if (roll < 0.58) {
      await reuseKey(caller, user, client, previous, history, model);
    } else if (roll < 0.65) {
      await droppedResponse(caller, user, client, fresh(), mine, history, model);
    } else if (roll < 0.8) {
      await cancel(caller, user, client, previous, history, model);
    } else {
      await read(caller, client, previous, user, history, model);
    }
    await sleep(rng.int(0, thinkTimeMsMax));
  }
}

/** Creates with retries on an unknown outcome, always with the same key; checks replays. */
async function createOnce(caller: Caller, user: ContextUser, client: string, request: JobRequest, history: History, model: Model, op: string) {
  model.keysSent.add(slotOf(user, request.idempotencyKey));
  for (let attempt = 0; attempt < retriesOnUnknownMax; attempt++) {
    const startedAt = Date.now();
    const result = await history.run(client, op, request.idempotencyKey, () => caller.jobs.create(request));
    if (inTeam(user) && !result.unknown) {
      model.membership?.recordCreate({ userId: user.id, startedAt, endedAt: Date.now(), ok: result.ok, code: result.ok ? null : result.code });
    }
    if (result.ok) {
      checkCreated(user, request, result.value, history, model);
      return result.value;
    }
    if (!result.unknown) {
      if (result.code === "BUDGET_EXCEEDED" && !model.budgetedUsers.has(workspaceIdOf(user))) history.problem(`${workspaceIdOf(user)} has no budget but was refused BUDGET_EXCEEDED`);
      return null;
    }
    await sleep(5 * (attempt + 1));
  }
  return null;
}

function checkCreated(user: ContextUser, request: JobRequest, value: { job: SeenJob; replayed: boolean }, history: History, model: Model) {
  const slot = slotOf(user, request.idempotencyKey);
  const seen = model.jobsByKey.get(slot);
  const job = value.job;
  if (job.modelId !== request.modelId || job.prompt !== request.prompt.trim() || job.outputsRequested !== request.outputs) {
    history.problem(`job ${job.id} does not match its request`);
  }
  if (!value.replayed) {
    const fresh = (model.freshAnswers.get(slot) ?? 0) + 1;
    model.freshAnswers.set(slot, fresh);
    if (fresh > 1) history.problem(`key ${slot} answered replayed: false twice (job ${job.id})`);
  }
  if (!seen) model.jobsByKey.set(slot, job);
  else if (seen.id !== job.id || seen.totalCost !== job.totalCost) history.problem(`key ${slot} returned two jobs: ${seen.id} and ${job.id}`);
}

/** The same key with another request must be refused, never create or charge. */
async function reuseKey(caller: Caller, user: ContextUser, client: string, previous: JobRequest, history: History, model: Model) {
  if (!model.jobsByKey.has(slotOf(user, previous.idempotencyKey))) return;
  const altered = { ...previous, prompt: `${previous.prompt} (edited)` };
  const result = await history.run(client, "reuse-key", previous.idempotencyKey, () => caller.jobs.create(altered));
  if (result.ok) history.problem(`reused key ${previous.idempotencyKey} was accepted for another request`);
  // A member out of the team is refused before the key is looked at.
  else if (!result.unknown && result.code !== "IDEMPOTENCY_KEY_REUSED" && !(inTeam(user) && result.code === "FORBIDDEN")) {
    history.problem(`reused key answered ${result.code}`);
  }
}

/** The response of a committed create is lost; the retry with the same key must get the same job, no second charge. */
async function droppedResponse(caller: Caller, user: ContextUser, client: string, request: JobRequest, mine: JobRequest[], history: History, model: Model) {
  mine.push(request);
  const first = await createOnce(caller, user, client, request, history, model, "create-dropped");
  if (!first) return;
  const retry = await createOnce(caller, user, client, request, history, model, "retry-after-drop");
  if (retry && (!retry.replayed || retry.job.id !== first.job.id)) {
    history.problem(`retry after a dropped response got ${retry.job.id} (replayed ${retry.replayed}), expected ${first.job.id}`);
  }
}

async function cancel(caller: Caller, user: ContextUser, client: string, previous: JobRequest, history: History, model: Model) {
  const job = model.jobsByKey.get(slotOf(user, previous.idempotencyKey));
  if (!job) return;
  const result = await history.run(client, "cancel", job.id, () => caller.jobs.cancel({ id: job.id }));
  if (result.ok && result.value.status !== "CANCELLED") history.problem(`cancel of ${job.id} returned ${result.value.status}`);
  if (!result.ok && !result.unknown && result.code !== "JOB_NOT_CANCELLABLE") history.problem(`cancel of ${job.id} answered ${result.code}`);
}

async function read(caller: Caller, client: string, previous: JobRequest, user: ContextUser, history: History, model: Model) {
  const summary = await history.run(client, "read-summary", undefined, () => caller.credits.summary());
  if (summary.ok) {
    model.readsDone++;
    if (summary.value.available < 0 || summary.value.reserved < 0) history.problem(`negative balance read: ${JSON.stringify(summary.value)}`);
  }
  const job = model.jobsByKey.get(slotOf(user, previous.idempotencyKey));
  if (!job) return;
  const got = await history.run(client, "read-job", job.id, () => caller.jobs.get({ id: job.id }));
  if (got.ok && (got.value.outputsDone > got.value.outputsRequested || got.value.refundedAmount > got.value.totalCost)) {
    history.problem(`job ${job.id} read with impossible counts`);
  }
}

/** The admin: grants and deductions, some with a repeated key (which must replay). */
export async function runAdminClient(admin: SessionUser, users: SessionUser[], rng: Random, history: History, model: Model, until: () => boolean) {
  const caller = callerFor(admin);
  type Sent = { userId: string; amount: number; idempotencyKey: string; reason: string; grant?: { expiresAt: Date; category: "PAID" | "PROMOTIONAL" } };
  const sent: Sent[] = [];
  while (!until()) {
    // A repeat of a grant whose expiry has passed would be refused by the
    // form's validation before it could replay: not repeated.
    const repeatable = sent.filter((input) => !input.grant || input.grant.expiresAt.getTime() > Date.now() + 1_000);
    const repeat = repeatable.length > 0 && rng.chance(0.25);
    const amount = rng.chance(0.85) ? rng.int(10, 150) : -rng.int(1, 30);
    // Half the grants expire within seconds: the sweep, the creates and the
    // refunds race their expiry (SPEC §3.12).
    const input: Sent = repeat
      ? rng.pick(repeatable)
      : {
          userId: rng.pick(users).id, amount, idempotencyKey: rng.uuid(), reason: "chaos grant",
          ...(amount > 0 && rng.chance(0.5)
            ? { grant: { expiresAt: new Date(Date.now() + rng.int(500, 8_000)), category: rng.chance(0.5) ? "PAID" : "PROMOTIONAL" } }
            : {}),
        };
    if (!repeat) sent.push(input);
    for (let attempt = 0; attempt < retriesOnUnknownMax; attempt++) {
      const result = await history.run("admin", "grant", input.idempotencyKey, () => caller.admin.adjustCredits(input));
      if (result.ok) {
        const seen = model.grantsByKey.get(input.idempotencyKey);
        const entryId = result.value.entry?.id ?? "(scheduled)";
        if (seen && seen.entryId !== entryId) history.problem(`grant key ${input.idempotencyKey} applied twice`);
        if (seen && !result.value.replayed) history.problem(`grant key ${input.idempotencyKey} not marked replayed`);
        if (!seen) model.grantsByKey.set(input.idempotencyKey, { entryId, userId: input.userId, amount: input.amount });
        break;
      }
      if (!result.unknown) {
        // A grant whose expiry passed before it was applied (a retry after a
        // crash, a slow answer) is refused, and was never applied.
        const expired = result.code === "VALIDATION_ERROR" && input.grant !== undefined && input.grant.expiresAt.getTime() <= Date.now();
        if (result.code !== "INSUFFICIENT_CREDITS" && !expired) history.problem(`grant answered ${result.code}`);
        break;
      }
    }
    await sleep(rng.int(20, 120));
  }
}
