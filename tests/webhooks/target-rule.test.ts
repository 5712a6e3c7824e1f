import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { describe, expect, it } from "vitest";

import { parseEnv } from "~/env.js";
import { webhooksConfigFromEnv } from "~/server/webhooks/config";
import { createEndpoint, newWebhookSecret } from "~/server/webhooks/endpoints";
import { sendWebhook } from "~/server/webhooks/send";

import { freePort } from "../../scripts/lib/free-port";
import { callerFor, createUser, db } from "../helpers";

// The web process that registers a webhook endpoint and the worker that
// delivers to it must apply one rule for targets (SPEC §8's SSRF rule,
// WEBHOOKS_ALLOW_PRIVATE), read the same way in every process; and the
// endpoint page says when deliveries will be refused.

const run = promisify(execFile);

/** The environment `npm start` runs with on a fresh machine (no DATABASE_URL). */
async function zeroSetupEnvironment(): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "creditworks-local-env-"));
  const probeEnv: NodeJS.ProcessEnv = { NODE_ENV: "production", PATH: process.env.PATH, HOME: process.env.HOME, CREDITWORKS_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) };
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/fixtures/local-env-probe.ts"], { env: probeEnv, timeout: 120_000 });
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, string>;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe("one rule for webhook targets in every process", () => {
  it("the zero-setup web process and a worker started with DATABASE_URL read the same WEBHOOKS_ALLOW_PRIVATE", async () => {
    const web = await zeroSetupEnvironment();
    // A second process pointed at the same database, as `DATABASE_URL=… npm run worker` starts one.
    const worker = { DATABASE_URL: web.DATABASE_URL!, BETTER_AUTH_SECRET: web.BETTER_AUTH_SECRET! };
    expect(web.WEBHOOKS_ALLOW_PRIVATE).toBeUndefined();
    expect(parseEnv(web).WEBHOOKS_ALLOW_PRIVATE).toBe(parseEnv(worker).WEBHOOKS_ALLOW_PRIVATE);
    // Either way, the same value for both, and the safe one unless an operator chose otherwise.
    expect(parseEnv(worker).WEBHOOKS_ALLOW_PRIVATE).toBe(false);
  }, 150_000);

  it("an endpoint this server's rule refuses: the page says why, the very reason a delivery attempt then fails with", async () => {
    expect(webhooksConfigFromEnv().allowPrivate).toBe(false); // This file runs with WEBHOOKS_ALLOW_PRIVATE unset.
    const user = await createUser();
    // Registered while private targets were allowed (or its host has moved to a private address since).
    const url = "https://10.0.0.5/hooks";
    await createEndpoint(db, user.id, { url, events: ["credits.low"] }, { allowPrivate: true });
    await createEndpoint(db, user.id, { url: "https://93.184.216.34/hooks", events: ["credits.low"] }, { allowPrivate: false });

    const listed = await callerFor(user).webhooks.list();
    expect(listed.allowPrivateTargets).toBe(false);
    const [refused, fine] = listed.endpoints;
    expect(refused?.deliveryRefusal).toMatch(/private address \(10\.0\.0\.5\)/);
    expect(fine?.deliveryRefusal).toBeNull();

    const attempt = await sendWebhook({ url, headers: {}, body: "{}", timeoutMs: 1_000 }, { allowPrivate: webhooksConfigFromEnv().allowPrivate });
    expect(attempt).toMatchObject({ ok: false, statusCode: null, error: `Refused: ${refused!.deliveryRefusal}` });
  });

  it("a host that does not resolve is reported too, without waiting on DNS for long", async () => {
    const user = await createUser();
    // Its host resolved when it was registered; it no longer does.
    await db.webhookEndpoint.create({ data: { workspaceId: user.id, url: "https://no-such-host.invalid/hooks", events: ["credits.low"], secret: newWebhookSecret() } });
    const listed = await callerFor(user).webhooks.list();
    expect(listed.endpoints[0]?.deliveryRefusal).toMatch(/could not be resolved|did not resolve in time/);
  });
});
