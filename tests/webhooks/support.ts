import { randomUUID } from "node:crypto";

import type { WebhookEventType } from "~/shared/webhook-events";
import type { WebhooksConfig } from "~/server/webhooks/config";
import { deliverWebhookTask } from "~/server/queue/tasks";
import { createEndpoint } from "~/server/webhooks/endpoints";

import { sleep } from "../fixtures/concurrency";
import { drainQueue, queuedJobs } from "../fixtures/queue";
import { db } from "../helpers";
import { money } from "~/server/money";

/** A delivery schedule compressed from hours to milliseconds. */
export function fastWebhooks(overrides: Partial<WebhooksConfig> = {}): WebhooksConfig {
  return { allowPrivate: true, timeoutMs: 2_000, retryScheduleMs: [300, 600, 900], retryWindowMs: 60_000, ...overrides };
}

/** Registers an endpoint for `userId` (private addresses allowed: the receiver is on 127.0.0.1). */
export async function registerEndpoint(userId: string, url: string, events: WebhookEventType[]) {
  return createEndpoint(db, userId, { url, events }, { allowPrivate: true });
}

/** A purchase of `credits` (a PURCHASE ledger entry: purchase.completed). */
export function purchase(userId: string, credits: number) {
  return money.moveCredits(db, {
    workspaceId: userId, amount: credits, kind: "PURCHASE", actor: { type: "SYSTEM", id: "test" },
    reason: "Test purchase", idempotencyKey: `purchase:${randomUUID()}`,
  });
}

/** The outbox of a user, oldest first. */
export function outboxOf(userId: string) {
  return db.webhookEvent.findMany({ where: { workspaceId: userId }, orderBy: { createdAt: "asc" }, include: { deliveries: true } });
}

/**
 * The deliver-webhook jobs queued for one user's deliveries, with their keys
 * (handed to a graphile-worker pool that only records them: they leave the queue).
 */
export async function deliveryQueueRows(userId: string): Promise<{ key: string | null; payload: { deliveryId: string } }[]> {
  const delivered = await drainQueue<{ deliveryId: string }>(deliverWebhookTask);
  const ours = new Set((await db.webhookDelivery.findMany({ where: { endpoint: { workspaceId: userId } }, select: { id: true } })).map((d) => d.id));
  return delivered.filter((d) => ours.has(d.payload.deliveryId)).map((d) => ({ key: d.job.key, payload: d.payload }));
}

/** Every deliver-webhook job waiting in the queue. */
export function allDeliveryQueueRows(): Promise<number> {
  return queuedJobs(deliverWebhookTask);
}

export async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
