import "server-only";

import { db } from "~/server/db";
import { routeFailure } from "~/server/http/route-failure";
import { stripeProvider } from "~/server/payments";
import { handleStripeWebhook } from "~/server/payments/stripe-webhook";

export const dynamic = "force-dynamic";

/** Stripe's event payloads are a few kilobytes; anything far larger is not Stripe. */
const bodyBytesMax = 512 * 1024;

/**
 * Stripe's webhook (`stripe listen --forward-to localhost:3000/api/checkout/stripe-webhook`).
 * The signature covers the exact bytes Stripe sent, so the body is read raw
 * and never re-serialized. Answers 404 when Stripe is not configured.
 */
export async function POST(request: Request) {
  const stripe = stripeProvider();
  if (!stripe) return Response.json({ error: "stripe is not configured" }, { status: 404 });
  if (Number(request.headers.get("content-length") ?? 0) > bodyBytesMax) {
    return Response.json({ error: "payload too large" }, { status: 413 });
  }
  const rawBody = await request.text();
  if (rawBody.length > bodyBytesMax) return Response.json({ error: "payload too large" }, { status: 413 });
  try {
    const result = await handleStripeWebhook(db, stripe, rawBody, request.headers.get("stripe-signature"));
    return Response.json(result.body, { status: result.status });
  } catch (error) {
    // A database failure: Stripe retries the delivery, which is idempotent
    // (503 with Retry-After when the database is restarting, logged once).
    return routeFailure(error, request);
  }
}
