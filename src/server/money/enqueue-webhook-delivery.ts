import "server-only";

import type { Tx } from "~/server/db";

/**
 * Queues one webhook delivery to run at `runAt` (`cw_enqueue_webhook_delivery`,
 * the same SQL the outbox uses when a money function emits an event), in
 * the caller's transaction: the queue entry commits with the delivery row.
 */
export async function enqueueWebhookDelivery(tx: Tx, deliveryId: string, runAt: Date | "now"): Promise<void> {
  if (runAt === "now") await tx.$queryRaw`SELECT cw_enqueue_webhook_delivery(${deliveryId}::uuid, clock_timestamp())::text`;
  else await tx.$queryRaw`SELECT cw_enqueue_webhook_delivery(${deliveryId}::uuid, ${runAt}::timestamptz)::text`;
}
