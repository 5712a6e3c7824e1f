import { randomUUID } from "node:crypto";

import { horizontalOverflow, phoneWidths } from "./fixtures/layout";
import { expectAccessible } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { signUpViaApi } from "./fixtures/user";

// The developer API end to end against the production build: a key created
// in the UI and copied from the box that shows it once, then used by a
// program (Playwright's `request`, no cookies) to create a job with an
// Idempotency-Key, replay it, read it and cancel it; revoked in the UI, it
// fails on the next request. The API reference page renders the OpenAPI
// document. Both pages fit a phone and pass axe.

test("create a key in the UI, use it on /api/v1 with Idempotency-Key, revoke it", async ({ page, context, request }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signUpViaApi(page.request);
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "No API keys yet" })).toBeVisible();

  for (const width of phoneWidths) {
    await page.setViewportSize({ width, height: 800 });
    expect(await horizontalOverflow(page), `API keys page at ${width}px`).toBeNull();
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByLabel("Name").fill("e2e script");
  await page.getByLabel("jobs:write").check();
  await page.getByRole("button", { name: "Create key" }).click();
  const secretBox = page.getByLabel("New API key");
  await expect(secretBox).toHaveValue(/^cw_live_/);
  const secret = await secretBox.inputValue();
  await page.getByRole("button", { name: "Copy key" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await expectAccessible(page, "/settings/api-keys with a new key");
  await page.getByRole("button", { name: "I have saved it" }).click();
  await expect(secretBox).toHaveCount(0);
  const row = page.getByTestId("api-key-row");
  await expect(row).toContainText("e2e script");
  await expect(row).toContainText(secret.split("_").slice(0, 3).join("_"));
  await expect(row).not.toContainText(secret);

  const auth = { authorization: `Bearer ${secret}` };
  const idempotencyKey = randomUUID();
  const body = { modelId: "storyteller-v1", prompt: "A lighthouse keeper's cat #slow", outputs: 2 };
  const created = await request.post("/api/v1/jobs", { headers: { ...auth, "idempotency-key": idempotencyKey }, data: body });
  expect(created.status(), await created.text()).toBe(201);
  const job = (await created.json()) as { id: string; status: string; totalCost: number };
  expect(job).toMatchObject({ status: "PENDING", totalCost: 4 });

  const replay = await request.post("/api/v1/jobs", { headers: { ...auth, "idempotency-key": idempotencyKey }, data: body });
  expect(replay.status()).toBe(201);
  expect(replay.headers()["idempotent-replayed"]).toBe("true");
  expect(await replay.json()).toEqual(job);

  const got = await request.get(`/api/v1/jobs/${job.id}`, { headers: auth });
  expect(got.status()).toBe(200);
  expect(await got.json()).toMatchObject({ id: job.id, outputs: expect.any(Array) });

  const cancelled = await request.post(`/api/v1/jobs/${job.id}/cancel`, { headers: auth });
  expect(cancelled.status(), await cancelled.text()).toBe(200);
  expect(await cancelled.json()).toMatchObject({ id: job.id, status: "CANCELLED" });

  const reused = await request.post("/api/v1/jobs", { headers: { ...auth, "idempotency-key": idempotencyKey }, data: { ...body, outputs: 1 } });
  expect(reused.status()).toBe(422);
  expect(reused.headers()["content-type"]).toContain("application/problem+json");
  expect(await reused.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
  expect((await request.post("/api/v1/jobs", { headers: auth, data: body })).status()).toBe(400);

  // The list shows when the key was last used; revoking it (confirmed) locks it out at once.
  await page.reload();
  await expect(row).toContainText("last used");
  await row.getByRole("button", { name: /Revoke/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke key" }).click();
  await expect(row.getByText("Revoked", { exact: true })).toBeVisible();
  const after = await request.get("/api/v1/balance", { headers: auth });
  expect(after.status()).toBe(401);
  expect(await after.json()).toMatchObject({ code: "UNAUTHORIZED" });
});

test("the API reference renders the OpenAPI document, with curl and TypeScript examples", async ({ page, request }) => {
  const document = await request.get("/api/v1/openapi.json");
  expect(document.status()).toBe(200);
  expect(await document.json()).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });

  await page.goto("/docs/api");
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  for (const operation of ["Create a job", "List jobs", "Get a job", "Cancel a job", "Get the balance", "Read the ledger"]) {
    await expect(page.getByRole("heading", { level: 3, name: new RegExp(operation) })).toBeVisible();
  }
  await expect(page.getByText("Idempotency-Key: $(uuidgen)").first()).toBeVisible();
  await expect(page.getByText("crypto.randomUUID()").first()).toBeVisible();
  await expect(page.locator("#problem-idempotency-key-reused")).toBeVisible();
  for (const width of phoneWidths) {
    await page.setViewportSize({ width, height: 800 });
    expect(await horizontalOverflow(page), `API reference at ${width}px`).toBeNull();
  }
  await expectAccessible(page, "/docs/api");
});
