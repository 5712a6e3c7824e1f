import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { GET } from "~/app/api/statement/csv/route";
import { POST as stripeWebhook } from "~/app/api/checkout/stripe-webhook/route";

import { createUser, db } from "../helpers";
import { signedUpUser } from "../fixtures/sessions";
import { money } from "~/server/money";

// The CSV export as the browser calls it: a real session cookie in, a
// streamed attachment out; only the session's own entries, only the filter's.

const origin = "http://localhost:3000";

function exportCsv(query: string, cookie?: string) {
  return GET(new Request(`${origin}/api/statement/csv${query}`, { headers: cookie ? { cookie } : {} }));
}

describe("GET /api/statement/csv", () => {
  it("streams the signed-in user's filtered ledger as an attachment", async () => {
    const { user, cookie } = await signedUpUser({
      email: `csv-${randomUUID()}@example.test`, password: "correct-horse-battery", name: "CSV tester", credits: 40,
    });
    await money.moveCredits(db, {
      workspaceId: user.id, amount: -5, kind: "ADJUSTMENT", actor: { type: "ADMIN", id: "a" }, reason: "@cmd|' /C calc'!A0", idempotencyKey: "k",
    });
    const stranger = await createUser({ balance: 777 });

    const all = await exportCsv("", cookie);
    expect(all.status).toBe(200);
    expect(all.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(all.headers.get("content-disposition")).toBe('attachment; filename="creditworks-statement.csv"');
    expect(all.headers.get("cache-control")).toContain("no-store");
    const text = await all.text();
    expect(text.split("\r\n").filter(Boolean).map((line) => line.split(",")[2])).toEqual(["kind", "ADJUSTMENT", "GRANT"]);
    expect(text).toContain(",'@cmd|' /C calc'!A0,");
    expect(text.split("\r\n").filter(Boolean).flatMap((line) => line.split(",").slice(3, 6))).not.toContain("777");
    expect(text).not.toContain(stranger.id);

    const filtered = await exportCsv("?kind=GRANT&from=2020-01-01&to=2999-12-31", cookie);
    expect(filtered.headers.get("content-disposition")).toBe('attachment; filename="creditworks-statement-2020-01-01-to-2999-12-31.csv"');
    expect((await filtered.text()).split("\r\n").filter(Boolean).map((line) => line.split(",")[2])).toEqual(["kind", "GRANT"]);
  });

  it("refuses without a session (401) and bad filters (400)", async () => {
    expect((await exportCsv("")).status).toBe(401);
    const { cookie } = await signedUpUser({ email: `csv-${randomUUID()}@example.test`, password: "correct-horse-battery", name: "CSV", credits: 0 });
    const backwards = await exportCsv("?from=2026-12-01&to=2026-11-01", cookie);
    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({ code: "VALIDATION_ERROR", fieldErrors: { to: [expect.any(String)] } });
    expect((await exportCsv("?kind=BONUS", cookie)).status).toBe(400);
  });
});

describe("POST /api/checkout/stripe-webhook", () => {
  it("answers 404 when Stripe is not configured, and grants nothing", async () => {
    const response = await stripeWebhook(new Request(`${origin}/api/checkout/stripe-webhook`, {
      method: "POST", body: "{}", headers: { "stripe-signature": "t=1,v1=abc" },
    }));
    expect(response.status).toBe(404);
  });
});
