import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";

import { ReconnectingPage } from "~/components/reconnecting-page";
import { isReconnectable, queryRetryDelayMs, retryOnlyReconnectable, shouldRetryQuery } from "~/lib/app-error";
import { unavailable } from "~/server/database/retry";
import { AppError } from "~/server/errors";
import { withReconnecting } from "~/app/with-reconnecting";

// While the database is unavailable, pages show a reconnecting state that
// retries by itself, never the error page: a server page whose reads fail
// with CONFLICT_RETRY renders <ReconnectingPage/>, and a client query that
// gets CONFLICT_RETRY (or no answer) is retried for as long as it lasts.

/** What a server component's caller throws when the session cannot be read (src/server/trpc/procedures.ts). */
const databaseUnavailable = () => new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "busy", cause: unavailable() });
/** A tRPC client error as React Query sees it. */
const clientError = (appCode?: string) => Object.assign(new Error("x"), appCode ? { data: { appCode } } : {});

describe("a server page that cannot read its data", () => {
  it("renders the reconnecting state when the database is unavailable", async () => {
    const page = withReconnecting(async () => {
      throw databaseUnavailable();
    });
    const rendered = (await page({})) as { type: unknown };
    expect(rendered.type).toBe(ReconnectingPage);
  });

  it("a raw lost connection is the same", async () => {
    const page = withReconnecting(async () => {
      throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
    });
    expect(((await page({})) as { type: unknown }).type).toBe(ReconnectingPage);
  });

  it("renders the page when it can, and lets redirects, not-found and bugs go on", async () => {
    expect(await withReconnecting(async (props: { name: string }) => `hello ${props.name}`)({ name: "x" })).toBe("hello x");
    const redirect = Object.assign(new Error("NEXT_REDIRECT"), { digest: "NEXT_REDIRECT;replace;/sign-in;307;" });
    await expect(withReconnecting(async () => { throw redirect; })({})).rejects.toBe(redirect);
    const bug = new Error("a bug");
    await expect(withReconnecting(async () => { throw bug; })({})).rejects.toBe(bug);
    const forbidden = new TRPCError({ code: "FORBIDDEN", cause: new AppError("FORBIDDEN") });
    await expect(withReconnecting(async () => { throw forbidden; })({})).rejects.toBe(forbidden);
  });
});

describe("client queries", () => {
  it("retry CONFLICT_RETRY and no answer for as long as it lasts, INTERNAL twice, final answers never", () => {
    expect(shouldRetryQuery(50, clientError("CONFLICT_RETRY"))).toBe(true);
    expect(shouldRetryQuery(50, new TypeError("Failed to fetch"))).toBe(true);
    expect([0, 1, 2].map((count) => shouldRetryQuery(count, clientError("INTERNAL")))).toEqual([true, true, false]);
    for (const code of ["NOT_FOUND", "FORBIDDEN", "UNAUTHORIZED", "VALIDATION_ERROR"]) expect(shouldRetryQuery(0, clientError(code))).toBe(false);
    expect(isReconnectable(null)).toBe(false);
    expect(isReconnectable(clientError("CONFLICT_RETRY"))).toBe(true);
    expect(isReconnectable(clientError("NOT_FOUND"))).toBe(false);
  });

  it("a poll or a banner that retries nothing else still retries until the server is back", () => {
    expect(retryOnlyReconnectable(100, clientError("CONFLICT_RETRY"))).toBe(true);
    expect(retryOnlyReconnectable(0, new TypeError("Failed to fetch"))).toBe(true);
    expect(retryOnlyReconnectable(0, clientError("INTERNAL"))).toBe(false);
    expect(retryOnlyReconnectable(0, clientError("UNAUTHORIZED"))).toBe(false);
  });

  it("wait 1, 2, 4, 8, then 10 seconds between retries", () => {
    expect([0, 1, 2, 3, 4, 9].map(queryRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });
});
