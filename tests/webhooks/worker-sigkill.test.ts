import { spawn, type ChildProcess } from "node:child_process";

import { afterAll, describe, expect, it } from "vitest";

import { startWorker, type WorkerHandle } from "~/server/queue/worker";
import { createSandboxProvider } from "~/server/providers";

import { startWebhookReceiver, type WebhookReceiver } from "../fixtures/webhook-receiver";
import { createUser, db, testConfig } from "../helpers";

import { fastWebhooks, outboxOf, purchase, registerEndpoint, waitUntil } from "./support";

// SPEC §3.13: every event written to the outbox is delivered to each
// subscribed endpoint at least once, with the same webhook-id on every
// attempt. A worker process is SIGKILLed while its requests are in flight
// (no finally blocks, its queue rows stay locked); the cleanup of another
// worker reaps the dead pool and unlocks them, and that worker delivers.
// This test fails if a delivery is lost or arrives under another id.

const leaseMs = 1_000;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/launch.ts", "worker"], {
    env: {
      ...process.env, NODE_ENV: "production", LOG_LEVEL: "silent", LEASE_MS: String(leaseMs), WORKER_CONCURRENCY: "4",
      DATABASE_POOL_MAX: "4", CLEANUP_INTERVAL_MS: "3600000", WEBHOOKS_ALLOW_PRIVATE: "true", WEBHOOKS_TIMEOUT_MS: "60000",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

describe("§3.13 webhook delivery survives a worker killed mid-request", () => {
  it("delivers every outbox event to every subscribed endpoint, under its original id", async () => {
    // Until the kill, the receivers hold every request open; afterwards they answer 200.
    let killed = false;
    const receivers: WebhookReceiver[] = [];
    for (let index = 0; index < 2; index++) {
      const receiver = await startWebhookReceiver(() => (killed ? 200 : "hang"));
      receivers.push(receiver);
      cleanups.push(() => receiver.close());
    }
    const users = [];
    for (let index = 0; index < 2; index++) {
      const user = await createUser();
      // Two endpoints per user, each with its own receiver and secret.
      for (const receiver of receivers) {
        const { secret } = await registerEndpoint(user.id, `${receiver.url}/${user.id}`, ["purchase.completed"]);
        receiver.secretsByPath.set(`/hooks/${user.id}`, secret);
      }
      users.push(user);
    }

    const doomed = startWorkerProcess();
    for (const user of users) await purchase(user.id, 100);
    const events = (await Promise.all(users.map((user) => outboxOf(user.id)))).flat();
    expect(events).toHaveLength(2);
    const deliveries = events.flatMap((event) => event.deliveries);
    expect(deliveries).toHaveLength(4);

    await Promise.all(receivers.map((receiver) => receiver.waitFor(2, 60_000)));
    doomed.kill("SIGKILL");
    await new Promise((resolve) => doomed.once("exit", resolve));
    killed = true;
    // The killed attempts are on record as started and never finished.
    const interrupted = await db.webhookAttempt.findMany({ where: { deliveryId: { in: deliveries.map((d) => d.id) } } });
    expect(interrupted).toHaveLength(4);
    expect(interrupted.every((attempt) => attempt.attempt === 1 && attempt.finishedAt === null)).toBe(true);

    const survivor: WorkerHandle = await startWorker({
      connectionString: process.env.DATABASE_URL!,
      db,
      provider: createSandboxProvider({ latencyMs: 0 }),
      config: { ...testConfig, leaseMs },
      concurrency: 2,
      cronCleanup: true,
      cleanupIntervalMs: 500,
      webhooks: fastWebhooks(),
    });
    cleanups.push(() => survivor.stop());
    await waitUntil("every delivery to succeed", 60_000, async () =>
      (await db.webhookDelivery.count({ where: { id: { in: deliveries.map((d) => d.id) }, status: "DELIVERED" } })) === 4);

    // Every event reached every endpoint's receiver, under its own id, signed with that endpoint's secret.
    const eventIds = new Set(events.map((event) => event.id));
    for (const receiver of receivers) {
      const ids = receiver.received.map((request) => request.id);
      expect(ids.every((id) => eventIds.has(id))).toBe(true);
      expect(receiver.received.every((request) => request.verified)).toBe(true);
      expect(new Set(ids)).toEqual(eventIds);
      // Each was sent twice: the attempt that was killed and the one that succeeded.
      for (const id of eventIds) expect(ids.filter((each) => each === id)).toHaveLength(2);
    }
    for (const delivery of await db.webhookDelivery.findMany({ where: { id: { in: deliveries.map((d) => d.id) } }, include: { attemptLog: { orderBy: { attempt: "asc" } } } })) {
      expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, null], [2, 200]]);
    }
  }, 120_000);
});
