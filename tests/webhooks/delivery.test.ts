import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { withTransaction } from "~/server/db";
import { startWorker, type WorkerHandle } from "~/server/queue/worker";
import { readOutbox } from "~/server/mail/outbox";
import { createSandboxProvider } from "~/server/providers";
import { deliverWebhook } from "~/server/webhooks/deliver";

import { startWebhookReceiver, type Answer, type WebhookReceiver } from "../fixtures/webhook-receiver";
import { callerFor, createUser, db, testConfig } from "../helpers";

import { fastWebhooks, outboxOf, purchase, registerEndpoint, waitUntil } from "./support";

// SPEC §8 and §3.13 through the real queue: a graphile-worker pool runs the
// deliver-webhook task against a real HTTP receiver that verifies every
// signature with standardwebhooks' Webhook.verify.

const schedule = [300, 600, 900];
const receivers: WebhookReceiver[] = [];
let worker: WorkerHandle;

beforeAll(async () => {
  worker = await startWorker({
    connectionString: process.env.DATABASE_URL!,
    db,
    provider: createSandboxProvider({ latencyMs: 0 }),
    config: testConfig,
    concurrency: 2,
    cronCleanup: false,
    webhooks: fastWebhooks({ retryScheduleMs: schedule, retryWindowMs: 4_000 }),
  });
  await worker.ready;
});
afterAll(() => worker.stop());
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiverAnswering(answer: (index: number) => Answer): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver(answer);
  receivers.push(receiver);
  return receiver;
}

async function subscribedUser(receiver: WebhookReceiver) {
  const user = await createUser();
  const { endpoint, secret } = await registerEndpoint(user.id, receiver.url, ["purchase.completed"]);
  receiver.secret = secret;
  return { user, endpoint };
}

describe("webhook delivery through the queue", () => {
  it("retries a failing receiver with backoff, with the same webhook-id and a valid signature each time", async () => {
    const receiver = await receiverAnswering((index) => (index < 3 ? 500 : 200));
    const { user } = await subscribedUser(receiver);
    await purchase(user.id, 250);
    const [event] = await outboxOf(user.id);

    const requests = await receiver.waitFor(4);
    expect(requests.map((r) => r.id)).toEqual([event!.id, event!.id, event!.id, event!.id]);
    expect(requests.every((r) => r.verified)).toBe(true);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(requests[0]!.body)).toEqual({
      type: "purchase.completed",
      timestamp: event!.createdAt.toISOString(),
      data: { entryId: expect.any(String), credits: 250, balanceAfter: 250 },
    });
    // Each retry waited at least its scheduled delay (jitter only adds).
    for (let index = 1; index < requests.length; index++) {
      expect(requests[index]!.receivedAt - requests[index - 1]!.receivedAt).toBeGreaterThanOrEqual(schedule[index - 1]! - 20);
    }

    await waitUntil("the delivery to be marked delivered", 5_000, async () =>
      (await db.webhookDelivery.findFirstOrThrow({ where: { eventId: event!.id } })).status === "DELIVERED");
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { eventId: event!.id }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    expect(delivery).toMatchObject({ attempts: 4, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 500], [3, 500], [4, 200]]);
    expect(delivery.attemptLog.every((a) => a.finishedAt !== null && a.durationMs !== null)).toBe(true);
    // Nothing more arrives once it succeeded.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(receiver.received).toHaveLength(4);
  });

  it("resends an event with the same webhook-id as a new delivery", async () => {
    const receiver = await receiverAnswering(() => 200);
    const { user, endpoint } = await subscribedUser(receiver);
    await purchase(user.id, 5);
    const [first] = await receiver.waitFor(1);
    await waitUntil("the first delivery to finish", 5_000, async () => (await db.webhookDelivery.count({ where: { endpointId: endpoint.id, status: "DELIVERED" } })) === 1);
    const [delivered] = await callerFor(user).webhooks.deliveries({ endpointId: endpoint.id });

    const { deliveryId } = await callerFor(user).webhooks.resend({ deliveryId: delivered!.id });
    const [, again] = await receiver.waitFor(2);
    expect(again!.id).toBe(first!.id);
    expect(again!.verified).toBe(true);
    await waitUntil("the resend to finish", 5_000, async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } })).status === "DELIVERED");
    const log = await callerFor(user).webhooks.deliveries({ endpointId: endpoint.id });
    expect(log.map((row) => [row.eventId, row.status])).toEqual([[first!.id, "DELIVERED"], [first!.id, "DELIVERED"]]);
    expect(log.map((row) => row.attemptLog.map((a) => [a.attempt, a.statusCode]))).toEqual([[[1, 200]], [[1, 200]]]);
  });

  it("signs with the old secret too for a while after a rotation", async () => {
    const receiver = await receiverAnswering(() => 200);
    const { user, endpoint } = await subscribedUser(receiver);
    const oldSecret = receiver.secret;
    const { secret } = await callerFor(user).webhooks.rotateSecret({ endpointId: endpoint.id });
    expect(secret).not.toBe(oldSecret);
    receiver.secret = secret;
    await purchase(user.id, 5);
    const [request] = await receiver.waitFor(1);
    expect(request!.verified).toBe(true);
    expect(request!.signature.split(" ")).toHaveLength(2);
  });

  it("fails a delivery after its retry window and disables an endpoint that failed all along, with a notice", { timeout: 120_000 }, async () => {
    const receiver = await receiverAnswering(() => 503);
    const { user, endpoint } = await subscribedUser(receiver);
    await purchase(user.id, 5);
    // The retry window is 4 s; the wait gives up at ten times that.
    await waitUntil("the endpoint to be disabled", 40_000, async () => !(await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled);

    const [delivery] = await callerFor(user).webhooks.deliveries({ endpointId: endpoint.id });
    expect(delivery).toMatchObject({ status: "FAILED", lastStatusCode: 503, nextAttemptAt: null });
    expect(delivery!.attempts).toBe(receiver.received.length);
    // The window (4 s) passed between the first attempt and the last one.
    const requests = receiver.received;
    expect(requests[requests.length - 1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(4_000 - 200);
    expect(new Set(requests.map((r) => r.id)).size).toBe(1);
    const { endpoints } = await callerFor(user).webhooks.list();
    expect(endpoints[0]).toMatchObject({ enabled: false, disabledReason: "FAILING" });
    await waitUntil("the notice mail", 5_000, async () =>
      (await readOutbox(process.env.MAIL_OUTBOX_DIR!)).some((mail) => mail.to === user.email && mail.subject === "A webhook endpoint was disabled"));

    // While disabled nothing is written for it; enabled again, it receives new events.
    await purchase(user.id, 5);
    expect(await outboxOf(user.id)).toHaveLength(1);
    await callerFor(user).webhooks.setEnabled({ endpointId: endpoint.id, enabled: true });
    expect((await callerFor(user).webhooks.list()).endpoints[0]).toMatchObject({ enabled: true, disabledReason: null });
  });

  it("disables an endpoint only when nothing reached it during the failed delivery's window", { timeout: 120_000 }, async () => {
    // The first event is delivered at once; every later request fails.
    const receiver = await receiverAnswering((index) => (index === 0 ? 200 : 500));
    const { user, endpoint } = await subscribedUser(receiver);
    await purchase(user.id, 5);
    await waitUntil("the first delivery to succeed", 5_000, async () => (await db.webhookDelivery.count({ where: { endpointId: endpoint.id, status: "DELIVERED" } })) === 1);
    await purchase(user.id, 5);
    const events = await outboxOf(user.id);
    // The retry window is 4 s; each wait gives up at ten times that.
    await waitUntil("the second delivery to fail", 40_000, async () =>
      (await db.webhookDelivery.findFirstOrThrow({ where: { eventId: events[1]!.id } })).status === "FAILED");
    // The second delivery was created after the last success: it failed for its whole window, so the endpoint is off.
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).disabledReason).toBe("FAILING");
    // But a delivery created before the last success does not turn it off.
    const other = await subscribedUser(await receiverAnswering(() => 500));
    await db.webhookEndpoint.update({ where: { id: other.endpoint.id }, data: { lastSuccessAt: new Date(Date.now() + 60_000) } });
    await purchase(other.user.id, 5);
    const [otherEvent] = await outboxOf(other.user.id);
    await waitUntil("the other delivery to fail", 40_000, async () =>
      (await db.webhookDelivery.findFirstOrThrow({ where: { eventId: otherEvent!.id } })).status === "FAILED");
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: other.endpoint.id } })).enabled).toBe(true);
  });

  it("fails a pending delivery whose endpoint was disabled, without sending it", async () => {
    const receiver = await receiverAnswering(() => 200);
    const user = await createUser();
    const { endpoint } = await registerEndpoint(user.id, receiver.url, ["credits.low"]);
    // The event is written, then the endpoint turned off, before the queue can see either.
    await withTransaction(db, { label: "test.emit-then-disable" }, async (tx) => {
      await tx.$queryRaw`SELECT cw_emit_event(${user.id}, 'credits.low', '{"balance": 1}'::jsonb)::text`;
      await tx.webhookEndpoint.update({ where: { id: endpoint.id }, data: { enabled: false, disabledReason: "USER", disabledAt: new Date() } });
    });
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    await waitUntil("the delivery to fail", 5_000, async () => (await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).status === "FAILED");
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ attempts: 0, lastError: "The endpoint is disabled." });
    expect(await deliverWebhook({ db, config: fastWebhooks() }, delivery.id)).toBe("SKIPPED");
    expect(receiver.received).toHaveLength(0);
  });
});
