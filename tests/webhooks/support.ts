import { randomUUID } from "node:crypto";

import type { WebhookEventType } from "~/shared/webhook-events";
import type { WebhooksConfig } from "~/server/webhooks/config";
import { createEndpoint } from "~/server/webhooks/endpoints";

import { sleep } from "../fixtures/concurrency";
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
    userId, amount: credits, kind: "PURCHASE", actor: { type: "SYSTEM", id: "test" },
    reason: "Test purchase", idempotencyKey: `purchase:${randomUUID()}`,
  });
}

/** The outbox of a user, oldest first. */
export function outboxOf(userId: string) {
  return db.webhookEvent.findMany({ where: { userId }, orderBy: { createdAt: "asc" }, include: { deliveries: true } });
}

/** The deliver-webhook queue rows (graphile-worker) of one user's deliveries. */
export async function deliveryQueueRows(userId: string): Promise<{ key: string | null; payload: { deliveryId: string }; runAt: Date }[]> {
  return db.$queryRaw`
    SELECT j.key, j.payload, j.run_at AS "runAt"
      FROM graphile_worker._private_jobs j
      JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      JOIN webhook_delivery d ON d.id = (j.payload->>'deliveryId')::uuid
      JOIN webhook_endpoint e ON e.id = d.endpoint_id
     WHERE t.identifier = 'deliver-webhook' AND e.user_id = ${userId}
     ORDER BY j.id`;
}

/** Every deliver-webhook queue row. */
export async function allDeliveryQueueRows(): Promise<number> {
  const rows = await db.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS count FROM graphile_worker._private_jobs j
      JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'deliver-webhook'`;
  return rows[0]!.count;
}

export async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
