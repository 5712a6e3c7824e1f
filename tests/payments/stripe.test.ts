import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createUser, db, expectConserved } from "../helpers";
import { registerPaymentProvider } from "~/server/payments";
import { openCheckout } from "~/server/payments/checkout";
import { getReceipt } from "~/server/payments/receipts";
import { createStripeProvider, type StripePaymentProvider } from "~/server/payments/stripe";
import { handleStripeWebhook } from "~/server/payments/stripe-webhook";

const webhookSecret = "whsec_test_creditworks_0123456789";
const secretKey = "sk_test_creditworks_0123456789";

type RecordedRequest = { method: string; path: string; idempotencyKey: string | undefined; body: URLSearchParams };

/** A local server that answers `POST /v1/checkout/sessions` like Stripe's API does. */
function startFakeStripe() {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, string>();
  const server = createServer((request: IncomingMessage, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    request.on("end", () => {
      const body = new URLSearchParams(raw);
      const idempotencyKey = request.headers["idempotency-key"] as string | undefined;
      requests.push({ method: request.method ?? "", path: request.url ?? "", idempotencyKey, body });
      if (request.method !== "POST" || request.url !== "/v1/checkout/sessions") {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { type: "invalid_request_error", message: "Unrecognized request URL" } }));
        return;
      }
      // Like Stripe: the same idempotency key returns the same session.
      const id = sessions.get(idempotencyKey ?? "") ?? `cs_test_${requests.length}${Math.random().toString(36).slice(2, 10)}`;
      if (idempotencyKey) sessions.set(idempotencyKey, id);
      response.writeHead(200, { "content-type": "application/json", "request-id": `req_${requests.length}` });
      response.end(JSON.stringify({
        id, object: "checkout.session", mode: "payment", status: "open", payment_status: "unpaid",
        client_reference_id: body.get("client_reference_id"),
        amount_total: Number(body.get("line_items[0][price_data][unit_amount]")),
        currency: body.get("line_items[0][price_data][currency]"),
        url: `https://checkout.stripe.com/c/pay/${id}`,
      }));
    });
  });
  return { server, requests };
}

let fake: ReturnType<typeof startFakeStripe>;
let stripe: StripePaymentProvider;
let signer: Stripe;

beforeAll(async () => {
  fake = startFakeStripe();
  await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
  const { port } = fake.server.address() as AddressInfo;
  signer = new Stripe(secretKey, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 });
  stripe = createStripeProvider({ secretKey, webhookSecret, client: signer });
  registerPaymentProvider(stripe);
});

afterAll(async () => {
  await new Promise<void>((resolve) => (fake.server).close(() => resolve()));
});

/** A `checkout.session.completed` event for a session, as Stripe would send it. */
function completedEvent(session: { id: string; checkoutId: string; amountTotal: number; currency: string; paymentStatus?: string }) {
  return JSON.stringify({
    id: `evt_${Math.random().toString(36).slice(2)}`,
    object: "event",
    type: "checkout.session.completed",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: session.id, object: "checkout.session", mode: "payment", status: "complete",
        payment_status: session.paymentStatus ?? "paid", client_reference_id: session.checkoutId,
        metadata: { checkoutId: session.checkoutId }, amount_total: session.amountTotal, currency: session.currency,
        payment_intent: "pi_test_creditworks_123",
      },
    },
  });
}

function signed(payload: string, secret = webhookSecret) {
  return signer.webhooks.generateTestHeaderString({ payload, secret });
}

async function purchasesOf(userId: string) {
  return db.ledgerEntry.findMany({ where: { workspaceId: userId, kind: "PURCHASE" }, select: { amount: true, idempotencyKey: true } });
}

async function openStripeCheckout(userId: string, packId = "starter") {
  const checkout = await openCheckout(db, { workspaceId: userId, actorUserId: userId }, packId, { providerId: "stripe" });
  const stored = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
  return { checkout, sessionId: stored.providerSessionId! };
}

describe("Stripe Checkout", () => {
  it("opens a Checkout Session for the pack's frozen price and redirects to it", async () => {
    const user = await createUser();
    const { checkout, sessionId } = await openStripeCheckout(user.id, "creator");
    expect(checkout.redirectUrl).toBe(`https://checkout.stripe.com/c/pay/${sessionId}`);
    const request = fake.requests.find((r) => r.body.get("client_reference_id") === checkout.id)!;
    expect(request.idempotencyKey).toBe(`checkout-session:${checkout.id}`);
    expect(request.body.get("mode")).toBe("payment");
    expect(request.body.get("line_items[0][price_data][unit_amount]")).toBe("2000");
    expect(request.body.get("line_items[0][price_data][currency]")).toBe("usd");
    expect(request.body.get("line_items[0][quantity]")).toBe("1");
    expect(request.body.get("metadata[checkoutId]")).toBe(checkout.id);
    expect(request.body.get("success_url")).toContain(`/buy/checkout/${checkout.id}`);
    expect(await purchasesOf(user.id)).toEqual([]);
  });

  it("grants the credits once from the signed webhook, under duplicate and 10 concurrent deliveries", async () => {
    const user = await createUser({ balance: 3 });
    const { checkout, sessionId } = await openStripeCheckout(user.id);
    const payload = completedEvent({ id: sessionId, checkoutId: checkout.id, amountTotal: 500, currency: "usd" });
    const first = await handleStripeWebhook(db, stripe, payload, signed(payload));
    expect(first).toMatchObject({ status: 200, body: { received: true, replayed: false, credits: 100 } });
    const again = await handleStripeWebhook(db, stripe, payload, signed(payload));
    expect(again).toMatchObject({ status: 200, body: { replayed: true } });
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => handleStripeWebhook(db, stripe, payload, signed(payload))));
    expect(concurrent.every((result) => result.status === 200 && result.body.replayed === true)).toBe(true);
    expect(await purchasesOf(user.id)).toEqual([{ amount: 100, idempotencyKey: `checkout:${checkout.id}` }]);
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).balance).toBe(103);
    const receipt = await getReceipt(db, user.id, checkout.id);
    expect(receipt).toMatchObject({ credits: 100, amountCents: 500, currency: "usd", providerReference: "pi_test_creditworks_123" });
    await expectConserved(user.id, expect);
  });

  it("10 concurrent first deliveries still grant once", async () => {
    const user = await createUser();
    const { checkout, sessionId } = await openStripeCheckout(user.id);
    const payload = completedEvent({ id: sessionId, checkoutId: checkout.id, amountTotal: 500, currency: "usd" });
    const results = await Promise.all(Array.from({ length: 10 }, () => handleStripeWebhook(db, stripe, payload, signed(payload))));
    expect(results.filter((result) => result.body.replayed === false)).toHaveLength(1);
    expect(await purchasesOf(user.id)).toHaveLength(1);
    await expectConserved(user.id, expect);
  });

  it("refuses a tampered signature, a wrong amount, a wrong currency, an unpaid or foreign session: nothing written", async () => {
    const user = await createUser();
    const { checkout, sessionId } = await openStripeCheckout(user.id);
    const good = completedEvent({ id: sessionId, checkoutId: checkout.id, amountTotal: 500, currency: "usd" });
    const cases: Array<{ payload: string; signature: string | null; error: string }> = [
      { payload: good, signature: signed(good, "whsec_someone_else_0000"), error: "bad signature" },
      { payload: good.replace('"amount_total":500', '"amount_total":5'), signature: signed(good), error: "bad signature" },
      { payload: good, signature: null, error: "missing Stripe-Signature" },
    ];
    for (const [field, value, error] of [
      ["amountTotal", 499, "amount does not match"],
      ["currency", "eur", "currency does not match"],
      ["paymentStatus", "unpaid", "session not paid"],
      ["id", "cs_test_not_ours", "session does not belong to the checkout"],
    ] as const) {
      const payload = completedEvent({ id: sessionId, checkoutId: checkout.id, amountTotal: 500, currency: "usd", [field]: value });
      cases.push({ payload, signature: signed(payload), error });
    }
    for (const { payload, signature, error } of cases) {
      const result = await handleStripeWebhook(db, stripe, payload, signature);
      expect(result, error).toEqual({ status: 400, body: { error } });
    }
    const unknown = completedEvent({ id: sessionId, checkoutId: "00000000-0000-4000-8000-000000000000", amountTotal: 500, currency: "usd" });
    expect((await handleStripeWebhook(db, stripe, unknown, signed(unknown))).status).toBe(404);
    expect(await purchasesOf(user.id)).toEqual([]);
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "OPEN", receiptNumber: null });
  });

  it("Stripe not answering is a typed CONFLICT_RETRY and nothing is paid", async () => {
    const unreachable = new Stripe(secretKey, { host: "127.0.0.1", port: 1, protocol: "http", maxNetworkRetries: 0 });
    registerPaymentProvider(createStripeProvider({ secretKey, webhookSecret, client: unreachable }));
    try {
      const user = await createUser();
      await expect(openCheckout(db, { workspaceId: user.id, actorUserId: user.id }, "starter", { providerId: "stripe" })).rejects.toMatchObject({ code: "CONFLICT_RETRY" });
      expect(await purchasesOf(user.id)).toEqual([]);
    } finally {
      registerPaymentProvider(stripe);
    }
  });

  it("acknowledges other events without granting anything", async () => {
    const payload = JSON.stringify({ id: "evt_other", object: "event", type: "payment_intent.created", data: { object: { id: "pi_1" } } });
    expect(await handleStripeWebhook(db, stripe, payload, signed(payload))).toEqual({
      status: 200, body: { received: true, ignored: "payment_intent.created" },
    });
  });
});

describe("configuration", () => {
  it("PAYMENT_PROVIDER=stripe without its secrets fails at start with a clear message", async () => {
    const { parseEnv } = await import("~/env.js");
    const base = { DATABASE_URL: "postgres://localhost/x", BETTER_AUTH_SECRET: "x".repeat(32), PAYMENT_PROVIDER: "stripe" };
    expect(() => parseEnv(base)).toThrow(/STRIPE_SECRET_KEY: required when PAYMENT_PROVIDER=stripe[\s\S]*STRIPE_WEBHOOK_SECRET: required/);
    expect(() => parseEnv({ ...base, STRIPE_SECRET_KEY: secretKey })).toThrow(/STRIPE_WEBHOOK_SECRET: required/);
    expect(() => parseEnv({ ...base, STRIPE_SECRET_KEY: "nope", STRIPE_WEBHOOK_SECRET: webhookSecret })).toThrow(/STRIPE_SECRET_KEY/);
    expect(parseEnv({ ...base, STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret }).PAYMENT_PROVIDER).toBe("stripe");
  });
});
