import { startWebhookReceiver, type WebhookReceiver } from "../tests/fixtures/webhook-receiver";

import { insertWebhookEndpoint } from "./fixtures/database";

import { horizontalOverflow } from "./fixtures/layout";
import { expectAccessible } from "./fixtures/pages";
import { expect, test } from "./fixtures/test";
import { fillGenerateForm, generateButton, signUp } from "./fixtures/user";

const jobUrl = /\/jobs\/([0-9a-f-]{36})$/;

let receiver: WebhookReceiver;
test.beforeEach(async () => {
  receiver = await startWebhookReceiver(() => 200);
});
test.afterEach(async () => {
  await receiver.close();
});

test.describe("Webhooks", () => {
  test("an endpoint receives a signed job.completed; the log shows it with 200 and resends it under the same id", async ({ page }) => {
    await signUp(page);
    await page.getByRole("button", { name: "Account menu" }).click();
    await page.getByRole("menuitem", { name: "Webhooks" }).click();
    await page.waitForURL(/\/settings\/webhooks$/);
    await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
    await expectAccessible(page, "webhooks (empty)");

    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await expect(page.getByRole("checkbox", { name: /job\.completed/ })).toBeChecked();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Endpoint added" });
    const secret = await dialog.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.secret = secret;
    await dialog.getByRole("button", { name: "I have stored it" }).click();
    const endpoint = page.getByTestId("webhook-endpoint");
    await expect(endpoint).toContainText(receiver.url);
    await expect(page.getByText(secret)).toHaveCount(0);

    await page.goto("/");
    await fillGenerateForm(page, { model: /^Storyteller/, prompt: "A lighthouse at dawn", outputs: 1 });
    await generateButton(page).click();
    await page.waitForURL(jobUrl);
    const jobId = jobUrl.exec(page.url())![1]!;
    await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 30_000 });

    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.verified).toBe(true);
    expect(delivery!.id).toMatch(/^evt_/);
    expect(JSON.parse(delivery!.body)).toMatchObject({ type: "job.completed", data: { id: jobId, status: "COMPLETED", outputsDone: 1 } });

    await page.goto("/settings/webhooks");
    await page.getByRole("button", { name: "Show deliveries" }).click();
    const row = page.getByTestId("delivery-row");
    await expect(row).toHaveCount(1);
    await expect(row).toContainText("job.completed");
    await expect(row).toContainText("Delivered");
    await expect(row).toContainText("HTTP 200");
    await expect(row).toContainText(delivery!.id);
    await expectAccessible(page, "webhooks (log)");

    await page.getByRole("button", { name: `Resend job.completed ${delivery!.id}` }).click();
    const [, resent] = await receiver.waitFor(2);
    expect(resent!.id).toBe(delivery!.id);
    expect(resent!.verified).toBe(true);
    await expect(page.getByTestId("delivery-row")).toHaveCount(2, { timeout: 10_000 });

    for (const width of [360]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await horizontalOverflow(page), `webhooks page at ${width} px`).toBeNull();
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // Clean up: delete the endpoint through its confirmation dialog.
    await endpoint.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("alertdialog", { name: "Delete this endpoint?" }).getByRole("button", { name: "Delete endpoint" }).click();
    await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
  });

  test("an endpoint whose deliveries would be refused says so, with the reason", async ({ page }) => {
    const user = await signUp(page);
    await insertWebhookEndpoint(user.email, "https://no-such-host.invalid/hooks");
    await page.goto("/settings/webhooks");
    const refused = page.getByTestId("webhook-endpoint").getByTestId("webhook-delivery-refused");
    await expect(refused).toContainText("Deliveries to this endpoint will be refused");
    await expect(refused).toContainText("The host no-such-host.invalid could not be resolved.");
    // This deployment's rule for targets is stated where endpoints are added.
    await expect(page.getByText("This server also takes http:// and local addresses")).toBeVisible();
  });

  test("a refused URL gets its message on the field", async ({ page }) => {
    // This deployment allows private targets (WEBHOOKS_ALLOW_PRIVATE=true), so
    // only the scheme rule is left to see: a non-http(s) URL is refused.
    await signUp(page);
    await page.goto("/settings/webhooks");
    // The hint says what this server takes: http:// and local addresses too.
    await expect(page.getByText(/^This server also takes http:\/\/ and local addresses/)).toBeVisible();
    await expect(page.getByText("Public HTTPS only")).toHaveCount(0);
    await page.getByLabel("Endpoint URL").fill("ftp://files.example.com/in");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByText("Use an http:// or https:// URL.")).toBeVisible();
    await expect(page.getByLabel("Endpoint URL")).toHaveAttribute("aria-invalid", "true");
  });
});
