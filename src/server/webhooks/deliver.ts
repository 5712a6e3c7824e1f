import "server-only";

import { Webhook } from "standardwebhooks";

import { env } from "~/env.js";
import { withTransaction, type Db } from "~/server/db";
import { logger } from "~/server/logger";
import { sendMailInBackground } from "~/server/mail/send";
import { webhookDisabledMail } from "~/server/mail/templates";
import { increment } from "~/server/metrics";
import type { Resolver } from "~/server/webhooks/address-guard";
import { retryDelayMs, type WebhooksConfig } from "~/server/webhooks/config";
import { sendWebhook, type AttemptResult } from "~/server/webhooks/send";
import { money } from "~/server/money";
import { ownerIfAny, ownerSelect } from "~/server/workspaces/owner";


export type DeliverDeps = { db: Db; config: WebhooksConfig; resolve?: Resolver };

export type DeliveryOutcome = "DELIVERED" | "RETRY" | "FAILED" | "SKIPPED";

type Claimed = {
  id: string;
  attempt: number;
  createdAt: Date;
  endpointId: string;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  eventId: string;
  type: string;
  data: unknown;
  eventCreatedAt: Date;
};

/**
 * One attempt of delivery `deliveryId`, recorded before it starts and after
 * it ends: POST the event signed per Standard Webhooks with the event id as
 * `webhook-id` (the same on every attempt and every resend), then mark the
 * delivery DELIVERED, schedule the next attempt (backoff + jitter), or —
 * once the retry window has passed since the delivery was created — mark it
 * FAILED and disable the endpoint if nothing reached it for that whole
 * window. A delivery no longer PENDING (or whose endpoint is gone) is
 * skipped. Attempts are at-least-once: a worker killed mid-attempt leaves
 * its queue row locked until the cleanup reaps the dead pool, then the same
 * job runs again.
 */
export async function deliverWebhook(deps: DeliverDeps, deliveryId: string): Promise<DeliveryOutcome> {
  const claimed = await claimAttempt(deps.db, deliveryId);
  if (!claimed) {
    await failIfEndpointDisabled(deps.db, deliveryId);
    return "SKIPPED";
  }
  const body = eventBody(claimed);
  const result = await sendWebhook(
    { url: claimed.url, headers: signedHeaders(claimed, body, new Date()), body, timeoutMs: deps.config.timeoutMs },
    { allowPrivate: deps.config.allowPrivate, resolve: deps.resolve },
  );
  const outcome = await recordAttempt(deps, claimed, result);
  increment(outcome === "DELIVERED" ? "webhooksDelivered" : outcome === "FAILED" ? "webhooksFailed" : "webhooksRetried");
  logger.info({ deliveryId, eventId: claimed.eventId, attempt: claimed.attempt, statusCode: result.statusCode, outcome }, "webhook attempt");
  return outcome;
}

/** The body every attempt of an event sends, byte for byte (Standard Webhooks' payload shape). */
export function eventBody(event: { type: string; data: unknown; eventCreatedAt: Date }): string {
  return JSON.stringify({ type: event.type, timestamp: event.eventCreatedAt.toISOString(), data: event.data });
}

/**
 * The Standard Webhooks headers of one attempt: the event id, the time of
 * this attempt, and a signature by the endpoint's secret — plus one by the
 * previous secret while a rotation is under way (space-separated).
 */
export function signedHeaders(
  endpoint: Pick<Claimed, "eventId" | "secret" | "previousSecret" | "previousSecretExpiresAt">,
  body: string,
  at: Date,
): Record<string, string> {
  const signatures = [new Webhook(endpoint.secret).sign(endpoint.eventId, at, body)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > at) {
    signatures.push(new Webhook(endpoint.previousSecret).sign(endpoint.eventId, at, body));
  }
  return {
    "content-type": "application/json",
    "user-agent": "Creditworks-Webhooks/1.0",
    "webhook-id": endpoint.eventId,
    "webhook-timestamp": Math.floor(at.getTime() / 1000).toString(),
    "webhook-signature": signatures.join(" "),
  };
}

/** Counts the attempt and writes its row, in one statement; null when the delivery is not PENDING or its endpoint is off. */
async function claimAttempt(db: Db, deliveryId: string): Promise<Claimed | null> {
  const rows = await db.$queryRaw<Claimed[]>`
    WITH claimed AS (
      UPDATE webhook_delivery d SET attempts = d.attempts + 1, next_attempt_at = NULL, updated_at = clock_timestamp()
        FROM webhook_endpoint e
       WHERE d.id = ${deliveryId}::uuid AND d.status = 'PENDING' AND e.id = d.endpoint_id AND e.enabled
      RETURNING d.id, d.attempts, d.created_at, d.event_id, e.id AS endpoint_id, e.url, e.secret,
                e.previous_secret, e.previous_secret_expires_at
    ), attempt AS (
      INSERT INTO webhook_attempt (delivery_id, attempt, started_at)
      SELECT id, attempts, clock_timestamp() FROM claimed
    )
    SELECT c.id::text AS id, c.attempts AS attempt, c.created_at AS "createdAt", c.endpoint_id::text AS "endpointId",
           c.url, c.secret, c.previous_secret AS "previousSecret", c.previous_secret_expires_at AS "previousSecretExpiresAt",
           ev.id AS "eventId", ev.type, ev.data, ev.created_at AS "eventCreatedAt"
      FROM claimed c JOIN webhook_event ev ON ev.id = c.event_id`;
  return rows[0] ?? null;
}

/** A PENDING delivery whose endpoint was disabled meanwhile ends FAILED (a resend can start it again). */
async function failIfEndpointDisabled(db: Db, deliveryId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE webhook_delivery d SET status = 'FAILED', failed_at = clock_timestamp(), next_attempt_at = NULL,
           last_error = 'The endpoint is disabled.', updated_at = clock_timestamp()
      FROM webhook_endpoint e
     WHERE d.id = ${deliveryId}::uuid AND d.status = 'PENDING' AND e.id = d.endpoint_id AND NOT e.enabled`;
}

/** Writes the attempt's result and what follows from it, in one transaction. */
async function recordAttempt(deps: DeliverDeps, claimed: Claimed, result: AttemptResult): Promise<Exclude<DeliveryOutcome, "SKIPPED">> {
  const error = result.error?.slice(0, 500) ?? null;
  const windowOver = Date.now() - claimed.createdAt.getTime() >= deps.config.retryWindowMs;
  const nextAt = new Date(Date.now() + retryDelayMs(deps.config, claimed.attempt));
  const { outcome, disabled } = await withTransaction(deps.db, { label: "webhooks.attempt" }, async (tx) => {
    await tx.$executeRaw`
      UPDATE webhook_attempt SET finished_at = clock_timestamp(), duration_ms = ${result.durationMs}::int,
             status_code = ${result.statusCode}::int, error = ${error}
       WHERE delivery_id = ${claimed.id}::uuid AND attempt = ${claimed.attempt}::int`;
    if (result.ok) {
      await tx.$executeRaw`
        UPDATE webhook_delivery SET status = 'DELIVERED', delivered_at = clock_timestamp(), next_attempt_at = NULL,
               last_status_code = ${result.statusCode}::int, last_error = NULL, updated_at = clock_timestamp()
         WHERE id = ${claimed.id}::uuid AND status = 'PENDING'`;
      await tx.$executeRaw`
        UPDATE webhook_endpoint SET last_success_at = clock_timestamp() WHERE id = ${claimed.endpointId}::uuid`;
      return { outcome: "DELIVERED" as const, disabled: false };
    }
    if (!windowOver) {
      const pending = await tx.$executeRaw`
        UPDATE webhook_delivery SET next_attempt_at = ${nextAt}, last_status_code = ${result.statusCode}::int,
               last_error = ${error}, updated_at = clock_timestamp()
         WHERE id = ${claimed.id}::uuid AND status = 'PENDING'`;
      // Another attempt of this delivery may have succeeded meanwhile: then no next one.
      if (pending > 0) await money.enqueueWebhookDelivery(tx, claimed.id, nextAt);
      return { outcome: "RETRY" as const, disabled: false };
    }
    await tx.$executeRaw`
      UPDATE webhook_delivery SET status = 'FAILED', failed_at = clock_timestamp(), next_attempt_at = NULL,
             last_status_code = ${result.statusCode}::int, last_error = ${error}, updated_at = clock_timestamp()
       WHERE id = ${claimed.id}::uuid AND status = 'PENDING'`;
    // Nothing reached the endpoint during this delivery's whole window: it is off until its owner turns it on.
    const turnedOff = await tx.$executeRaw`
      UPDATE webhook_endpoint SET enabled = false, disabled_reason = 'FAILING', disabled_at = clock_timestamp(),
             updated_at = clock_timestamp()
       WHERE id = ${claimed.endpointId}::uuid AND enabled
         AND (last_success_at IS NULL OR last_success_at < ${claimed.createdAt})`;
    return { outcome: "FAILED" as const, disabled: turnedOff > 0 };
  });
  if (disabled) await noticeDisabled(deps.db, claimed);
  return outcome;
}

/** Tells the endpoint's owner by mail (after commit; a mail failure is logged, never retried). */
async function noticeDisabled(db: Db, claimed: Claimed): Promise<void> {
  increment("webhookEndpointsDisabled");
  logger.warn({ endpointId: claimed.endpointId }, "webhook endpoint disabled after failing for its whole retry window");
  const endpoint = await db.webhookEndpoint.findUnique({
    where: { id: claimed.endpointId },
    select: { workspace: { select: ownerSelect({ email: true, name: true, deletedAt: true }) } },
  });
  if (!endpoint) return;
  const owner = ownerIfAny(endpoint.workspace);
  if (!owner || owner.deletedAt) return;
  sendMailInBackground(webhookDisabledMail(owner.email, owner.name, claimed.url, `${env.APP_URL}/settings/webhooks`));
}
