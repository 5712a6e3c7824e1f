import { describe, expect, it } from "vitest";

import { runJob } from "~/server/jobs/run";

import { createTestJob } from "../fixtures/jobs";
import { callerFor, createUser, db, workerDeps } from "../helpers";

import { allDeliveryQueueRows, deliveryQueueRows, outboxOf, purchase, registerEndpoint } from "./support";
import { money } from "~/server/money";

// SPEC §8: an event is written in the same transaction as the change it
// reports (outbox), with one delivery and one queue job per subscribed
// endpoint; nothing at all for a user who listens to nothing.

const url = "http://127.0.0.1:9/hooks";

describe("the webhook outbox", () => {
  it("writes nothing for a user without endpoints (the lean path)", async () => {
    const user = await createUser({ balance: 100 });
    const { job } = await createTestJob(user.id, { outputs: 2 });
    await runJob(workerDeps(), job.id);
    await purchase(user.id, 50);
    expect(await outboxOf(user.id)).toEqual([]);
    expect(await db.webhookEvent.count()).toBe(0);
    expect(await allDeliveryQueueRows()).toBe(0);
  });

  it("writes job.completed with its payload, one delivery per subscribed endpoint and a keyed queue job each", async () => {
    const user = await createUser({ balance: 100 });
    const first = await registerEndpoint(user.id, url, ["job.completed"]);
    const second = await registerEndpoint(user.id, `${url}/2`, ["job.completed", "job.failed"]);
    await registerEndpoint(user.id, `${url}/3`, ["job.failed"]);
    const { job } = await createTestJob(user.id, { outputs: 3, prompt: "a kite #fail-output-2" });
    await runJob(workerDeps(), job.id);

    const [event, ...more] = await outboxOf(user.id);
    expect(more).toEqual([]);
    expect(event!.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(event!.type).toBe("job.completed");
    const finished = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(event!.data).toEqual({
      id: job.id, status: "COMPLETED", modelId: "storyteller-v1", outputsRequested: 3, outputsDone: 2,
      refundedCredits: finished.refundedAmount, errorCode: null, finishedAt: finished.finishedAt!.toISOString(),
    });
    expect(finished.refundedAmount).toBeGreaterThan(0);
    expect(event!.deliveries.map((d) => d.endpointId).sort()).toEqual([first.endpoint.id, second.endpoint.id].sort());
    expect(event!.deliveries.every((d) => d.status === "PENDING" && d.attempts === 0)).toBe(true);
    const queued = await deliveryQueueRows(user.id);
    expect(queued.map((row) => row.key).sort()).toEqual(event!.deliveries.map((d) => `webhook-delivery:${d.id}`).sort());
    expect(queued.map((row) => row.payload.deliveryId).sort()).toEqual(event!.deliveries.map((d) => d.id).sort());
  });

  it("writes job.failed and job.cancelled with the error code and the refund", async () => {
    const user = await createUser({ balance: 100 });
    await registerEndpoint(user.id, url, ["job.failed", "job.cancelled"]);
    const { job: failing } = await createTestJob(user.id, { outputs: 2, prompt: "storm #fail" });
    await runJob(workerDeps(), failing.id);
    const { job: cancelled } = await createTestJob(user.id, { outputs: 2 });
    await callerFor(user).jobs.cancel({ id: cancelled.id });

    const events = await outboxOf(user.id);
    expect(events.map((e) => e.type)).toEqual(["job.failed", "job.cancelled"]);
    expect(events[0]!.data).toMatchObject({ id: failing.id, status: "FAILED", refundedCredits: 4, outputsDone: 0 });
    expect((events[0]!.data as { errorCode: string | null }).errorCode).toBeTruthy();
    expect(events[1]!.data).toMatchObject({ id: cancelled.id, status: "CANCELLED", refundedCredits: 4, errorCode: "CANCELLED_BY_USER" });
  });

  it("commits the event with the settlement and rolls it back with it", async () => {
    const user = await createUser({ balance: 100 });
    await registerEndpoint(user.id, url, ["job.cancelled"]);
    const { job } = await createTestJob(user.id, { outputs: 1 });
    const abort = new Error("rolled back on purpose");
    await expect(
      money.settleJob(
        db,
        { jobId: job.id, accountId: user.id, status: "CANCELLED", guard: { kind: "active" }, actor: { type: "USER", id: user.id } },
        {
          alsoCommit: async (tx, settled) => {
            expect(settled).not.toBeNull();
            // Inside the transaction the event, its delivery and its queue job exist…
            expect(await tx.webhookEvent.count({ where: { workspaceId: user.id } })).toBe(1);
            throw abort;
          },
        },
      ),
    ).rejects.toBe(abort);
    // …and after the rollback none of them does, and the job is still active.
    expect(await outboxOf(user.id)).toEqual([]);
    expect(await db.webhookDelivery.count({ where: { endpoint: { workspaceId: user.id } } })).toBe(0);
    expect(await deliveryQueueRows(user.id)).toEqual([]);
    expect((await db.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("PENDING");
  });

  it("writes purchase.completed, and nothing for an endpoint that is disabled", async () => {
    const user = await createUser({ balance: 0 });
    const { endpoint } = await registerEndpoint(user.id, url, ["purchase.completed"]);
    const { entry } = await purchase(user.id, 500);
    const [event] = await outboxOf(user.id);
    expect(event).toMatchObject({ type: "purchase.completed", data: { entryId: String(entry.id), credits: 500, balanceAfter: 500 } });

    await callerFor(user).webhooks.setEnabled({ endpointId: endpoint.id, enabled: false });
    await purchase(user.id, 10);
    expect(await outboxOf(user.id)).toHaveLength(1);
  });

  it("writes credits.low once per crossing of the threshold (default 20, or the user's)", async () => {
    const user = await createUser({ balance: 30 });
    await registerEndpoint(user.id, url, ["credits.low"]);
    const { job } = await createTestJob(user.id, { outputs: 2, modelId: "canvas-v1" }); // 30 → 20: not below 20
    expect(await outboxOf(user.id)).toEqual([]);
    await createTestJob(user.id, { outputs: 1 }); // 20 → 18: crossed
    await createTestJob(user.id, { outputs: 1 }); // 18 → 16: already below
    const events = await outboxOf(user.id);
    expect(events.map((e) => e.type)).toEqual(["credits.low"]);
    expect(events[0]!.data).toMatchObject({ kind: "CHARGE", balance: 18, threshold: 20 });

    // With a threshold of 100: credits coming in fire nothing; the next debit crossing it does.
    await callerFor(user).webhooks.setLowBalanceThreshold({ threshold: 100 });
    await purchase(user.id, 100); // 16 → 116
    await callerFor(user).jobs.cancel({ id: job.id }); // a refund: 116 → 126
    await createTestJob(user.id, { outputs: 4, modelId: "canvas-v1" }); // 126 → 106: still over 100
    await createTestJob(user.id, { outputs: 2, modelId: "canvas-v1" }); // 106 → 96: crossed
    const after = await outboxOf(user.id);
    expect(after.map((e) => e.type)).toEqual(["credits.low", "credits.low"]);
    expect(after[1]!.data).toMatchObject({ balance: 96, threshold: 100 });
  });

  it("writes budget.threshold at 80 % and 100 % of a budget, to an endpoint subscribed through the settings procedure", async () => {
    const user = await createUser({ balance: 100 });
    const { endpoint } = await callerFor(user).webhooks.create({ url: "https://93.184.216.34/hooks", events: ["budget.threshold"] });
    expect(endpoint.events).toEqual(["budget.threshold"]);
    // 1-output jobs cost 2: the fourth reaches 80 % of 10, the fifth 100 %.
    await money.setBudget(db, {
      workspaceId: user.id, actorUserId: user.id, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 10, timeZone: "UTC",
    });
    for (let i = 0; i < 4; i++) await createTestJob(user.id, { outputs: 1 });
    const events = await outboxOf(user.id);
    expect(events.map((e) => e.type)).toEqual(["budget.threshold"]);
    expect(events[0]!.data).toMatchObject({
      thresholdPercent: 80, spentCredits: 8, budget: { scope: "ACCOUNT", period: "MONTH", apiKeyId: null, limitCredits: 10 },
    });
    expect(events[0]!.deliveries.map((d) => d.endpointId)).toEqual([endpoint.id]);
    await createTestJob(user.id, { outputs: 1 });
    expect((await outboxOf(user.id)).map((e) => (e.data as { thresholdPercent: number }).thresholdPercent)).toEqual([80, 100]);
  });
});
