import "server-only";

import { randomBytes } from "node:crypto";

import { withTransaction, type Db, type Prisma } from "~/server/db";
import { AppError } from "~/server/errors";
import { defaultLowBalanceThreshold, type WebhookEventType } from "~/shared/webhook-events";
import { checkWebhookUrl, WebhookTargetError, type GuardOptions } from "~/server/webhooks/address-guard";
import { money } from "~/server/money";

/**
 * A user's webhook endpoints, their delivery log and resend. Every function
 * takes the acting user's id and finds rows through it, so another user's
 * endpoint or delivery is NOT_FOUND (SPEC §3.11), never revealed.
 */

/** Endpoints per user, at most. */
export const endpointsPerUserMax = 10;
/** Rows of a delivery log page, at most. */
export const deliveryLogPageMax = 50;
/** After a rotation the previous secret still signs for this long, so receivers can switch over. */
export const previousSecretGraceMs = 24 * 60 * 60 * 1000;

const endpointSelect = {
  id: true,
  url: true,
  events: true,
  enabled: true,
  disabledReason: true,
  disabledAt: true,
  lastSuccessAt: true,
  previousSecretExpiresAt: true,
  createdAt: true,
} satisfies Prisma.WebhookEndpointSelect;

export type EndpointView = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

/** A fresh signing secret in the Standard Webhooks form: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Checks a URL with the SSRF guard; a refusal is VALIDATION_ERROR on the `url` field. */
async function checkedUrl(raw: string, guard: GuardOptions): Promise<string> {
  try {
    return (await checkWebhookUrl(raw, guard)).url.toString();
  } catch (error) {
    if (!(error instanceof WebhookTargetError)) throw error;
    throw new AppError("VALIDATION_ERROR", error.message, { fieldErrors: { url: [error.message] } });
  }
}

/** Registers an endpoint; the secret is returned this once and never again. */
export async function createEndpoint(
  db: Db,
  workspaceId: string,
  input: { url: string; events: WebhookEventType[] },
  guard: GuardOptions,
): Promise<{ endpoint: EndpointView; secret: string }> {
  const url = await checkedUrl(input.url, guard);
  const secret = newWebhookSecret();
  const endpoint = await withTransaction(db, { label: "webhooks.create" }, async (tx) => {
    const count = await tx.webhookEndpoint.count({ where: { workspaceId } });
    if (count >= endpointsPerUserMax) {
      const message = `You can register at most ${endpointsPerUserMax} endpoints.`;
      throw new AppError("VALIDATION_ERROR", message, { fieldErrors: { url: [message] } });
    }
    return tx.webhookEndpoint.create({ data: { workspaceId, url, events: [...new Set(input.events)], secret }, select: endpointSelect });
  });
  return { endpoint, secret };
}

/** How long the endpoint list waits for one host's DNS answer before it says so. */
const listLookupTimeoutMs = 2_000;

/**
 * Why deliveries to `url` would be refused now, by the very check every
 * delivery attempt runs first (the SSRF rule of this deployment, the host's
 * current DNS answer), in words for the endpoint page; null when they would
 * be attempted. An endpoint registered under another rule, or whose host
 * has since moved to a private address, says so before a delivery fails.
 */
export async function deliveryRefusal(url: string, guard: GuardOptions): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WebhookTargetError("The host did not resolve in time.")), listLookupTimeoutMs);
  });
  try {
    await Promise.race([checkWebhookUrl(url, guard), timeout]);
    return null;
  } catch (error) {
    if (error instanceof WebhookTargetError) return error.message;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The user's endpoints, oldest first, each with why its deliveries would be
 * refused (null: they would not); this deployment's rule for targets; and
 * the credits.low threshold.
 */
export async function listEndpoints(
  db: Db,
  workspaceId: string,
  guard: GuardOptions,
): Promise<{
  endpoints: (EndpointView & { deliveryRefusal: string | null })[];
  allowPrivateTargets: boolean;
  lowBalanceThreshold: number;
  thresholdIsDefault: boolean;
}> {
  const [endpoints, preference] = await Promise.all([
    db.webhookEndpoint.findMany({ where: { workspaceId }, orderBy: { createdAt: "asc" }, select: endpointSelect }),
    db.webhookPreference.findUnique({ where: { workspaceId }, select: { lowBalanceThreshold: true } }),
  ]);
  const refusals = await Promise.all(endpoints.map((endpoint) => deliveryRefusal(endpoint.url, guard)));
  return {
    endpoints: endpoints.map((endpoint, index) => ({ ...endpoint, deliveryRefusal: refusals[index] ?? null })),
    allowPrivateTargets: guard.allowPrivate,
    lowBalanceThreshold: preference?.lowBalanceThreshold ?? defaultLowBalanceThreshold,
    thresholdIsDefault: !preference,
  };
}

async function ownEndpoint(tx: Prisma.TransactionClient, workspaceId: string, endpointId: string) {
  const endpoint = await tx.webhookEndpoint.findFirst({ where: { id: endpointId, workspaceId }, select: { id: true, secret: true, enabled: true } });
  if (!endpoint) throw new AppError("NOT_FOUND", "No such webhook endpoint.");
  return endpoint;
}

/** A new secret, shown once; the old one keeps signing (a second signature) for `previousSecretGraceMs`. */
export async function rotateSecret(db: Db, workspaceId: string, endpointId: string): Promise<{ secret: string }> {
  const secret = newWebhookSecret();
  await withTransaction(db, { label: "webhooks.rotate" }, async (tx) => {
    const endpoint = await ownEndpoint(tx, workspaceId, endpointId);
    await tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { secret, previousSecret: endpoint.secret, previousSecretExpiresAt: new Date(Date.now() + previousSecretGraceMs) },
    });
  });
  return { secret };
}

/** Turns an endpoint on or off (on again after it was disabled for failing, too). */
export async function setEndpointEnabled(db: Db, workspaceId: string, endpointId: string, enabled: boolean): Promise<EndpointView> {
  return withTransaction(db, { label: "webhooks.enable" }, async (tx) => {
    const endpoint = await ownEndpoint(tx, workspaceId, endpointId);
    return tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: enabled ? { enabled, disabledReason: null, disabledAt: null } : { enabled, disabledReason: "USER", disabledAt: new Date() },
      select: endpointSelect,
    });
  });
}

/** Deletes an endpoint with its deliveries (their queued jobs find nothing and end). */
export async function deleteEndpoint(db: Db, workspaceId: string, endpointId: string): Promise<void> {
  const deleted = await db.webhookEndpoint.deleteMany({ where: { id: endpointId, workspaceId } });
  if (deleted.count === 0) throw new AppError("NOT_FOUND", "No such webhook endpoint.");
}

export type DeliveryRow = {
  id: string;
  eventId: string;
  eventType: string;
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  failedAt: Date | null;
  /** The latest attempts, newest first (at most `attemptsShownMax`); finishedAt null: interrupted or in flight. */
  attemptLog: { attempt: number; startedAt: Date; finishedAt: Date | null; durationMs: number | null; statusCode: number | null; error: string | null }[];
};

/** Attempts listed per delivery in the log, at most. */
export const attemptsShownMax = 10;

/** The newest deliveries to one of the user's endpoints (at most `deliveryLogPageMax`). */
export async function listDeliveries(db: Db, workspaceId: string, endpointId: string, limit: number = deliveryLogPageMax): Promise<DeliveryRow[]> {
  const endpoint = await db.webhookEndpoint.findFirst({ where: { id: endpointId, workspaceId }, select: { id: true } });
  if (!endpoint) throw new AppError("NOT_FOUND", "No such webhook endpoint.");
  const rows = await db.webhookDelivery.findMany({
    where: { endpointId },
    orderBy: { createdAt: "desc" },
    take: Math.min(limit, deliveryLogPageMax),
    select: {
      id: true, eventId: true, status: true, attempts: true, lastStatusCode: true, lastError: true,
      nextAttemptAt: true, createdAt: true, deliveredAt: true, failedAt: true, event: { select: { type: true } },
      attemptLog: {
        orderBy: { attempt: "desc" },
        take: attemptsShownMax,
        select: { attempt: true, startedAt: true, finishedAt: true, durationMs: true, statusCode: true, error: true },
      },
    },
  });
  return rows.map(({ event, status, ...row }) => ({ ...row, eventType: event.type, status: status as DeliveryRow["status"] }));
}

/**
 * Sends an event to an endpoint again: a new delivery of the same event
 * (so the same webhook-id), with attempts and a retry window of its own,
 * enqueued in the same transaction. The endpoint must be enabled.
 */
export async function resendDelivery(db: Db, workspaceId: string, deliveryId: string): Promise<{ deliveryId: string }> {
  return withTransaction(db, { label: "webhooks.resend" }, async (tx) => {
    const delivery = await tx.webhookDelivery.findFirst({
      where: { id: deliveryId, endpoint: { workspaceId } },
      select: { eventId: true, endpoint: { select: { id: true, enabled: true } } },
    });
    if (!delivery) throw new AppError("NOT_FOUND", "No such delivery.");
    if (!delivery.endpoint.enabled) throw new AppError("VALIDATION_ERROR", "Enable the endpoint before resending to it.");
    const created = await tx.webhookDelivery.create({
      data: { eventId: delivery.eventId, endpointId: delivery.endpoint.id, nextAttemptAt: new Date() },
      select: { id: true },
    });
    await money.enqueueWebhookDelivery(tx, created.id, "now");
    return { deliveryId: created.id };
  });
}

/** Sets the user's credits.low threshold; null goes back to the default. */
export async function setLowBalanceThreshold(db: Db, workspaceId: string, threshold: number | null): Promise<{ lowBalanceThreshold: number }> {
  if (threshold === null) {
    await db.webhookPreference.deleteMany({ where: { workspaceId } });
    return { lowBalanceThreshold: defaultLowBalanceThreshold };
  }
  await db.webhookPreference.upsert({
    where: { workspaceId },
    create: { workspaceId, lowBalanceThreshold: threshold },
    update: { lowBalanceThreshold: threshold },
  });
  return { lowBalanceThreshold: threshold };
}
