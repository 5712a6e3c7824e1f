import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

import type { Route } from "@playwright/test";

import { expect, test } from "./fixtures/test";
import { signUp, signUpViaApi } from "./fixtures/user";

// When the server cannot reach its database (PostgreSQL restarting), pages
// say they are reconnecting and retry by themselves — never an error page:
// client queries that get 503 CONFLICT_RETRY keep what they showed under a
// notice, and a server-rendered page whose reads fail shows its
// reconnecting state and renders itself once the database is back.

/** tRPC's answer to every call of a request while the database is away (a batch is an array). */
async function answerUnavailable(route: Route) {
  const procedures = new URL(route.request().url()).pathname.replace("/api/trpc/", "").split(",");
  const error = {
    error: {
      json: {
        message: "The database is busy or restarting; retry in a moment.",
        code: -32603,
        data: { code: "SERVICE_UNAVAILABLE", httpStatus: 503, appCode: "CONFLICT_RETRY", retryAfterSeconds: 1 },
      },
    },
  };
  const batch = new URL(route.request().url()).searchParams.has("batch");
  await route.fulfill({
    status: 503,
    headers: { "content-type": "application/json", "retry-after": "1" },
    body: JSON.stringify(batch ? procedures.map(() => error) : error),
  });
}

test("queries answered 503 CONFLICT_RETRY: the page keeps what it shows, says it is reconnecting, and recovers by itself", async ({ page }) => {
  await signUp(page);
  await page.goto("/jobs");
  await expect(page.getByRole("heading", { name: "No jobs yet" })).toBeVisible();
  const balance = await page.getByTestId("balance-available").textContent();

  const trpcUrl = (url: URL) => url.pathname.startsWith("/api/trpc/");
  await page.route(trpcUrl, answerUnavailable);
  const notice = page.getByTestId("connection-notice");
  await expect(notice).toContainText("Reconnecting…");
  await expect(page.getByRole("heading", { name: "No jobs yet" })).toBeVisible();
  await expect(page.getByTestId("balance-available")).toHaveText(balance!);
  await expect(page.getByText("Something went wrong")).toHaveCount(0);

  await page.unroute(trpcUrl, answerUnavailable);
  await expect(notice).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: "No jobs yet" })).toBeVisible();
});

/** Every process of the e2e server's PostgreSQL (postmaster and backends), for SIGSTOP and SIGCONT. */
function databaseProcesses(): number[] {
  const postmaster = Number(readFileSync(path.join(".data/e2e/pg", "postmaster.pid"), "utf8").split("\n")[0]);
  let children: string[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    // pgrep exits 1 when there is no child.
  }
  return [postmaster, ...children.map(Number)];
}

test("a server-rendered page whose database does not answer shows its reconnecting state, then renders once the database is back", async ({ page }) => {
  test.setTimeout(180_000);
  // A session this server has not read yet: the page must read it from the database.
  await signUpViaApi(page.request);
  const frozen = databaseProcesses();
  for (const pid of frozen) process.kill(pid, "SIGSTOP");
  try {
    // The reads give up on the client's own timeouts (seconds), then the page answers.
    await page.goto("/jobs", { timeout: 120_000 });
    await expect(page.getByTestId("reconnecting-page")).toContainText("Reconnecting…");
    await expect(page.getByText("Something went wrong")).toHaveCount(0);
  } finally {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
  }
  // No reload: the reconnecting state renders the page again by itself.
  await expect(page.getByRole("heading", { level: 1, name: "Jobs" })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("reconnecting-page")).toHaveCount(0);
});
