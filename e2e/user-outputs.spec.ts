import { readFile } from "node:fs/promises";

import type { Download, Locator, Page } from "@playwright/test";
import { strFromU8, unzipSync } from "fflate";

import { expect, test } from "./fixtures/test";
import {
  balanceOf, createJobViaApi, fillGenerateForm, generateButton, jobsOf, ledgerOf, signUp, trpcMutation, type JobSummary,
} from "./fixtures/user";

const jobUrl = /\/jobs\/([0-9a-f-]{36})$/;
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function generate(page: Page, options: Parameters<typeof fillGenerateForm>[1]): Promise<string> {
  await page.goto("/");
  await fillGenerateForm(page, options);
  await generateButton(page).click();
  await page.waitForURL(jobUrl);
  return jobUrl.exec(page.url())![1]!;
}

async function completed(page: Page) {
  await expect(page.getByTestId("job-status")).toHaveAttribute("data-status", "COMPLETED", { timeout: 30_000 });
}

async function downloadFrom(page: Page, trigger: Locator): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent("download"), trigger.click()]);
  return { download, bytes: await readFile((await download.path())) };
}

test.describe("Outputs people can use", () => {
  test("an image opens full size (Escape closes it) and downloads as SVG, as PNG, and with the others as a zip", async ({ page }) => {
    await signUp(page);
    const jobId = await generate(page, { model: /^Canvas/, prompt: "Lighthouse at dusk", outputs: 2 });
    await completed(page);
    const prefix = `creditworks-${jobId.slice(0, 8)}`;

    const open = page.getByRole("button", { name: "View output 1 full size" });
    await open.click();
    const dialog = page.getByRole("dialog", { name: "Output 1" });
    await expect(dialog.getByRole("img", { name: "Output 1, full size" })).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(open).toBeFocused();

    const svg = await downloadFrom(page, page.getByRole("button", { name: "Download output 1 as SVG" }));
    expect(svg.download.suggestedFilename()).toBe(`${prefix}-output-1.svg`);
    expect(svg.bytes.toString("utf8")).toMatch(/^<svg[\s\S]*<\/svg>$/);
    await expect(page.getByRole("img", { name: "Output 1", exact: true })).toHaveAttribute(
      "src", `data:image/svg+xml;utf8,${encodeURIComponent(svg.bytes.toString("utf8"))}`,
    );

    const png = await downloadFrom(page, page.getByRole("button", { name: "Download output 2 as PNG" }));
    expect(png.download.suggestedFilename()).toBe(`${prefix}-output-2.png`);
    expect([...png.bytes.subarray(0, 8)]).toEqual(pngSignature);
    // IHDR: width and height, big-endian, right after the signature and chunk header.
    expect([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)]).toEqual([1024, 1024]);

    const zip = await downloadFrom(page, page.getByRole("link", { name: "Download all (.zip)" }));
    expect(zip.download.suggestedFilename()).toBe(`${prefix}-outputs.zip`);
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files).sort()).toEqual([`${prefix}-output-1.svg`, `${prefix}-output-2.svg`, "job.json"]);
    expect(strFromU8(files[`${prefix}-output-1.svg`]!)).toBe(svg.bytes.toString("utf8"));
    expect(JSON.parse(strFromU8(files["job.json"]!))).toMatchObject({ id: jobId, prompt: "Lighthouse at dusk" });

    // Another account cannot fetch it: the route answers 404.
    const other = await page.context().browser()!.newContext();
    const stranger = await other.newPage();
    await signUp(stranger);
    const response = await stranger.request.get(`/api/jobs/${jobId}/outputs.zip`);
    expect(response.status()).toBe(404);
    await other.close();
  });

  test("a text output is copied to the clipboard (with a toast) and downloads as .txt", async ({ page, context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signUp(page);
    const jobId = await generate(page, { model: /^Storyteller/, prompt: "A letter from the sea", outputs: 1 });
    await completed(page);
    const text = (await page.getByTestId("job-output").locator("p").textContent())!;
    expect(text.length).toBeGreaterThan(20);

    await page.getByRole("button", { name: "Copy output 1 text" }).click();
    await expect(page.getByText("Copied to the clipboard")).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(text);

    const txt = await downloadFrom(page, page.getByRole("button", { name: "Download output 1 as .txt" }));
    expect(txt.download.suggestedFilename()).toBe(`creditworks-${jobId.slice(0, 8)}-output-1.txt`);
    expect(txt.bytes.toString("utf8")).toBe(text);
  });

  test("a running job shows a ticking elapsed time, then its final duration", async ({ page }) => {
    await signUp(page);
    await generate(page, { model: /^Storyteller/, prompt: "Slow waves #slow", outputs: 2 });
    const elapsed = page.getByTestId("job-elapsed");
    await expect(elapsed).toHaveText(/^\d+:\d\d$/);
    const seconds = (clock: string) => clock.split(":").reduce((total, part) => total * 60 + Number(part), 0);
    const first = seconds((await elapsed.textContent())!);
    await expect.poll(async () => seconds((await elapsed.textContent()) ?? "0:00"), { timeout: 5_000 }).toBeGreaterThan(first);

    await completed(page);
    await expect(elapsed).toHaveCount(0);
    await expect(page.getByTestId("job-duration")).toHaveText(/^(\d+ s|\d+ min \d+ s)$/);
  });
});

test.describe("Run again", () => {
  test("from the job page and from the jobs list: a new job, same model, prompt and outputs, charged again", async ({ page }) => {
    await signUp(page);
    const firstId = await generate(page, { model: /^Storyteller/, prompt: "Tell it twice", outputs: 2 });
    await completed(page);

    await page.getByRole("button", { name: "Run again · 4 credits" }).click();
    // The first job's toast may still be showing: the newest is this one.
    await expect(page.getByText("Generating · 4 credits charged").last()).toBeVisible();
    await page.waitForURL((url) => jobUrl.test(url.pathname) && !url.pathname.endsWith(firstId));
    const secondId = jobUrl.exec(page.url())![1]!;
    await expect(page.getByText("“Tell it twice”")).toBeVisible();
    await completed(page);

    await page.goto("/jobs");
    await expect(page.getByTestId("job-row")).toHaveCount(2);
    await page.getByRole("button", { name: "Run again: Tell it twice" }).first().click();
    await page.waitForURL((url) => jobUrl.test(url.pathname) && ![firstId, secondId].some((id) => url.pathname.endsWith(id)));

    const jobs = (await jobsOf(page.request)) as (JobSummary & { prompt: string; modelId: string; outputsRequested: number })[];
    expect(jobs).toHaveLength(3);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(3);
    for (const job of jobs) expect(job).toMatchObject({ prompt: "Tell it twice", modelId: "storyteller-v1", outputsRequested: 2, totalCost: 4 });
    const charges = (await ledgerOf(page.request)).filter((entry) => entry.kind === "CHARGE");
    expect(charges.map((entry) => entry.amount)).toEqual([-4, -4, -4]);
  });

  test("goes through the same limits: insufficient credits opens the dialog, nothing is charged", async ({ page }) => {
    await signUp(page);
    const jobId = await generate(page, { model: /^Canvas/, prompt: "Expensive taste", outputs: 4 });
    await completed(page);
    // Spend the remaining 80 credits, then wait for those jobs to finish.
    for (let i = 0; i < 4; i++) expect((await createJobViaApi(page.request, `Drain ${i}`, 4, "canvas-v1")).data).toBeDefined();
    await expect.poll(async () => (await balanceOf(page.request)).reserved, { timeout: 30_000 }).toBe(0);
    await expect(page.getByTestId("balance-available")).toHaveText("0");

    await page.getByRole("button", { name: "Run again · 20 credits" }).click();
    const dialog = page.getByRole("dialog", { name: "You need 20 more credits" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("link", { name: "Buy credits" })).toHaveAttribute("href", `/buy?next=${encodeURIComponent(`/jobs/${jobId}`)}`);
    await dialog.getByRole("button", { name: "Not now" }).click();
    await expect(dialog).toBeHidden();
    expect(await jobsOf(page.request)).toHaveLength(5);
  });

  test("goes through the same limits: too many active jobs, then the rate limit's countdown", async ({ page }) => {
    await signUp(page);
    const jobId = await generate(page, { model: /^Storyteller/, prompt: "Once more", outputs: 1 });
    await completed(page);
    const hanging: string[] = [];
    for (let i = 0; i < 5; i++) hanging.push((await createJobViaApi(page.request, `Hold ${i} #hang`)).data!.job.id);

    await page.goto(`/jobs/${jobId}`);
    await page.getByRole("button", { name: "Run again · 2 credits" }).click();
    await expect(page.getByText("Too many active jobs. Wait for one to finish, or cancel one.")).toBeVisible();
    await expect(page.getByRole("button", { name: "See active jobs" })).toBeVisible();
    expect(await jobsOf(page.request)).toHaveLength(6);

    // Cancel them (cleaning up) and use up the minute's rate limit (10 jobs: 6 so far).
    for (const id of hanging) await trpcMutation(page.request, "jobs.cancel", { id });
    for (let i = 0; i < 4; i++) {
      const { data } = await createJobViaApi(page.request, `Burst ${i} #hang`);
      await trpcMutation(page.request, "jobs.cancel", { id: data!.job.id });
    }
    await page.getByRole("button", { name: "Run again · 2 credits" }).click();
    const waiting = page.getByRole("button", { name: /^Run again in \d+s$/ });
    await expect(waiting).toBeDisabled();
    expect(await jobsOf(page.request)).toHaveLength(10);
  });
});
