import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { deleteAccount } from "~/server/account/delete-account";
import { endpointsPerUserMax } from "~/server/webhooks/endpoints";

import { procedureError } from "../fixtures/errors";
import { callerFor, createUser, db } from "../helpers";

import { purchase, registerEndpoint } from "./support";

// SPEC §3.11 for webhooks: a user sees and changes only their own endpoints
// and deliveries; every input is validated; the SSRF rule applies at
// registration (this file runs with WEBHOOKS_ALLOW_PRIVATE unset).

const publicUrl = "https://93.184.216.34/hooks"; // an IP literal: no DNS in tests

describe("the webhooks router", () => {
  it("creates an endpoint, shows its secret once, and never lists secrets", async () => {
    const user = await createUser();
    const created = await callerFor(user).webhooks.create({ url: publicUrl, events: ["job.completed", "job.completed", "credits.low"] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.endpoint).toMatchObject({ url: publicUrl, events: ["job.completed", "credits.low"], enabled: true });
    const listed = await callerFor(user).webhooks.list();
    expect(listed).toMatchObject({ lowBalanceThreshold: 20, thresholdIsDefault: true });
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
  });

  it.each([
    ["https://127.0.0.1/hooks", /loopback/],
    ["https://169.254.169.254/latest", /link-local/],
    ["https://[::ffff:10.0.0.1]/hooks", /private/],
    ["http://93.184.216.34/hooks", /https/],
    ["javascript:alert(1)", /https/],
    ["not a url", /full URL/],
  ])("refuses %s with VALIDATION_ERROR on the url field", async (url, message) => {
    const user = await createUser();
    const error = await procedureError(callerFor(user).webhooks.create({ url, events: ["job.completed"] }));
    expect(error.appCode).toBe("VALIDATION_ERROR");
    expect(error.fieldErrors?.url?.[0]).toMatch(message);
    expect(await db.webhookEndpoint.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("validates every input", async () => {
    const user = await createUser();
    const caller = callerFor(user);
    const noEvents = await procedureError(caller.webhooks.create({ url: publicUrl, events: [] }));
    expect(noEvents).toMatchObject({ appCode: "VALIDATION_ERROR", fieldErrors: { events: ["Pick at least one event."] } });
    const badEvent = await procedureError(caller.webhooks.create({ url: publicUrl, events: ["job.exploded" as "job.completed"] }));
    expect(badEvent.appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(caller.webhooks.rotateSecret({ endpointId: "not-a-uuid" }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(caller.webhooks.setLowBalanceThreshold({ threshold: 0 }))).appCode).toBe("VALIDATION_ERROR");
    expect((await procedureError(caller.webhooks.setLowBalanceThreshold({ threshold: 2.5 }))).appCode).toBe("VALIDATION_ERROR");
  });

  it(`refuses more than ${endpointsPerUserMax} endpoints`, async () => {
    const user = await createUser();
    for (let index = 0; index < endpointsPerUserMax; index++) await callerFor(user).webhooks.create({ url: `${publicUrl}/${index}`, events: ["job.failed"] });
    const error = await procedureError(callerFor(user).webhooks.create({ url: publicUrl, events: ["job.failed"] }));
    expect(error.appCode).toBe("VALIDATION_ERROR");
  });

  it("answers NOT_FOUND for another user's endpoint or delivery, and changes nothing", async () => {
    const owner = await createUser();
    const intruder = await createUser();
    const { endpoint } = await registerEndpoint(owner.id, publicUrl, ["purchase.completed"]);
    await purchase(owner.id, 10);
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    const as = callerFor(intruder).webhooks;

    const calls = [
      () => as.rotateSecret({ endpointId: endpoint.id }),
      () => as.setEnabled({ endpointId: endpoint.id, enabled: false }),
      () => as.delete({ endpointId: endpoint.id }),
      () => as.deliveries({ endpointId: endpoint.id }),
      () => as.resend({ deliveryId: delivery.id }),
      () => as.rotateSecret({ endpointId: randomUUID() }),
    ];
    for (const call of calls) expect((await procedureError(call())).appCode).toBe("NOT_FOUND");
    expect((await as.list()).endpoints).toEqual([]);
    const untouched = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(untouched).toMatchObject({ enabled: true, previousSecret: null });
    expect(await db.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(1);
  });

  it("requires a session", async () => {
    expect((await procedureError(callerFor(null).webhooks.list())).appCode).toBe("UNAUTHORIZED");
  });

  it("refuses to resend to a disabled endpoint, and deletes an endpoint with its deliveries", async () => {
    const user = await createUser();
    const { endpoint } = await registerEndpoint(user.id, publicUrl, ["purchase.completed"]);
    await purchase(user.id, 10);
    const [delivery] = await callerFor(user).webhooks.deliveries({ endpointId: endpoint.id });
    await callerFor(user).webhooks.setEnabled({ endpointId: endpoint.id, enabled: false });
    expect((await procedureError(callerFor(user).webhooks.resend({ deliveryId: delivery!.id }))).appCode).toBe("VALIDATION_ERROR");
    await callerFor(user).webhooks.delete({ endpointId: endpoint.id });
    expect(await db.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(0);
    expect((await callerFor(user).webhooks.list()).endpoints).toEqual([]);
  });
});

describe("deleting an account", () => {
  it("deletes its webhook endpoints and events with it", async () => {
    const user = await createUser();
    await db.account.create({ data: { id: randomUUID(), accountId: user.id, providerId: "credential", userId: user.id, password: "hash" } });
    const { endpoint } = await registerEndpoint(user.id, publicUrl, ["purchase.completed"]);
    await purchase(user.id, 10);
    await deleteAccount(db, user.id, "pw", async () => true);
    expect(await db.webhookEndpoint.count({ where: { id: endpoint.id } })).toBe(0);
    expect(await db.webhookEvent.count({ where: { workspaceId: user.id } })).toBe(0);
  });
});
