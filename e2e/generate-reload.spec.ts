import { expect, test } from "./fixtures/test";
import { createdAndCancelled, fillGenerateForm, generateButton, jobsOf, ledgerOf, signUp } from "./fixtures/user";

// What the Generate page knows after a reload comes from the server: a job
// that the lost answer would have announced, and the rate limit's countdown.

test("a reload mid-submit shows the job that was created, and the balance line suggests no second charge", async ({ page }) => {
  await signUp(page); // 100 welcome credits
  await page.goto("/");
  await fillGenerateForm(page, { model: /^Storyteller/, prompt: "The answer that never came", outputs: 2 });
  await expect(page.getByTestId("total-cost")).toHaveText("4 credits");
  let committed: () => void = () => {};
  const serverCommitted = new Promise<void>((resolve) => (committed = resolve));
  let reloaded: () => void = () => {};
  const afterReload = new Promise<void>((resolve) => (reloaded = resolve));
  await page.route("**/api/trpc/jobs.create**", async (route) => {
    await route.fetch(); // The server creates the job and charges it …
    committed();
    await afterReload;
    await route.abort().catch(() => {}); // … and its answer never reaches the page.
  }, { times: 1 });
  await generateButton(page).click();
  await serverCommitted;
  await page.reload();
  reloaded();

  const [job] = await jobsOf(page.request);
  const notice = page.getByRole("status").filter({ hasText: "Your job was created" });
  await expect(notice).toBeVisible();
  await expect(notice.getByRole("link", { name: "View the job" })).toHaveAttribute("href", `/jobs/${job!.id}`);
  await expect(page.getByTestId("balance-available")).toHaveText("96");
  // Already paid: what is left after it is what is available now.
  await expect(page.getByTestId("balance-after")).toHaveText("96");
  await expect(page.getByRole("button", { name: /^Generate ·/ })).toHaveCount(0);

  await notice.getByRole("link", { name: "View the job" }).click();
  await page.waitForURL(`**/jobs/${job!.id}`);
  expect(await jobsOf(page.request)).toHaveLength(1);
  expect((await ledgerOf(page.request)).filter((entry) => entry.kind === "CHARGE")).toHaveLength(1);
});

test("the rate-limit countdown survives a reload and keeps counting down", async ({ page }) => {
  await signUp(page);
  // Nine jobs this minute, the page opens, a tenth elsewhere (each cancelled
  // at once so the active limit never trips first) …
  const burst = (i: number) => createdAndCancelled(page.request, `Burst ${i}`);
  for (let i = 0; i < 9; i++) await burst(i);
  await page.goto("/");
  await fillGenerateForm(page, { prompt: "One too many" });
  await burst(9);
  // … and the eleventh, from the page, is refused with a countdown.
  await generateButton(page).click();
  await expect(page.getByRole("button", { name: /^Try again in \d+s$/ })).toBeDisabled();

  await page.reload();
  await expect(page.getByRole("button", { name: /^Try again in \d+s$/ })).toBeDisabled();
  await expect(page.getByText("Too many jobs this minute")).toBeVisible();
  const seconds = page.getByTestId("rate-limit-seconds");
  const first = Number(await seconds.textContent());
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThanOrEqual(60);
  // A countdown ticks every second; 10 s is ten ticks, for a slow machine.
  await expect.poll(async () => Number(await seconds.textContent()), { timeout: 10_000 }).toBeLessThan(first);
  expect(await jobsOf(page.request)).toHaveLength(10);
});
