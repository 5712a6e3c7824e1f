import { describe, expect, it } from "vitest";

import { procedureError } from "../fixtures/errors";
import { callerFor, createUser, db, jobRequest, type TestUser } from "../helpers";

// SPEC §9 budgets as the signed-in user sees and changes them, through the
// tRPC router on a real PostgreSQL: list, set, remove, every input checked,
// another user's budget or key NOT_FOUND (§3.11), and a refused create that
// tells the client which budget, what is left and when it resets (§4).
// storyteller-v1 costs 2 credits per output.

const monthly = { period: "MONTH", timeZone: "UTC" } as const;

async function keyOf(user: TestUser, name = "Nightly batch") {
  const { key } = await callerFor(user).apiKeys.create({ name, scopes: ["jobs:write"] });
  return key;
}

/** The first instant of next month in UTC: when a UTC monthly budget resets. */
function nextUtcMonth(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

describe("budgets.list", () => {
  it("an account without budgets lists none, and offers each live key (never a revoked one)", async () => {
    const user = await createUser();
    const live = await keyOf(user, "live");
    const revoked = await keyOf(user, "revoked");
    await callerFor(user).apiKeys.revoke({ id: revoked.id });
    const page = await callerFor(user).budgets.list();
    expect(page).toEqual({ account: null, keys: [], keysWithoutBudget: [{ id: live.id, name: "live", prefix: live.prefix, revoked: false }], members: [] });
  });

  it("shows the account's budget and a key's with this period's spending, what is left and when it resets", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const key = await keyOf(user);
    const other = await keyOf(user, "Other");
    await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 10, ...monthly });
    await caller.budgets.set({ scope: "API_KEY", apiKeyId: key.id, period: "TOTAL", limitCredits: 50, timeZone: "Europe/Paris" });
    await caller.jobs.create(jobRequest({ outputs: 3 }));

    const page = await caller.budgets.list();
    expect(page.account).toEqual({
      id: expect.stringMatching(/^\d+$/), scope: "ACCOUNT", period: "MONTH", limitCredits: 10, timeZone: "UTC",
      spentCredits: 6, remainingCredits: 4, resetsAt: nextUtcMonth(), apiKey: null, memberUserId: null,
    });
    expect(page.keys).toEqual([{
      id: expect.stringMatching(/^\d+$/), scope: "API_KEY", period: "TOTAL", limitCredits: 50, timeZone: "Europe/Paris",
      // A job made in the browser is not the key's: its budget is untouched.
      spentCredits: 0, remainingCredits: 50, resetsAt: null,
      apiKey: { id: key.id, name: "Nightly batch", prefix: key.prefix, revoked: false }, memberUserId: null,
    }]);
    expect(page.keysWithoutBudget.map((k) => k.id)).toEqual([other.id]);
  });

  it("keeps a revoked key's budget listed, marked revoked, so it can be removed", async () => {
    const user = await createUser();
    const key = await keyOf(user);
    await callerFor(user).budgets.set({ scope: "API_KEY", apiKeyId: key.id, limitCredits: 5, ...monthly });
    await callerFor(user).apiKeys.revoke({ id: key.id });
    const page = await callerFor(user).budgets.list();
    expect(page.keys.map((b) => b.apiKey)).toEqual([{ id: key.id, name: "Nightly batch", prefix: key.prefix, revoked: true }]);
    await callerFor(user).budgets.remove({ budgetId: page.keys[0]!.id });
    expect((await callerFor(user).budgets.list()).keys).toEqual([]);
  });
});

describe("budgets.set and budgets.remove", () => {
  it("raises a limit in place, keeping this period's spending; a new period starts a new budget", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const first = await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 4, ...monthly });
    await caller.jobs.create(jobRequest({ outputs: 2 }));
    const raised = await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 10, ...monthly });
    expect(raised.id).toBe(first.id);
    expect((await caller.budgets.list()).account).toMatchObject({ id: first.id, limitCredits: 10, spentCredits: 4, remainingCredits: 6 });

    const total = await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 10, period: "TOTAL", timeZone: "UTC" });
    expect(total.id).not.toBe(first.id);
    expect((await caller.budgets.list()).account).toMatchObject({ id: total.id, period: "TOTAL", spentCredits: 0, resetsAt: null });
  });

  it("refuses a limit below what was spent this period on the limitCredits field, and changes nothing", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 10, ...monthly });
    await caller.jobs.create(jobRequest({ outputs: 3 }));
    const error = await procedureError(caller.budgets.set({ scope: "ACCOUNT", limitCredits: 5, ...monthly }));
    expect(error).toMatchObject({ appCode: "VALIDATION_ERROR", httpStatus: 400, fieldErrors: { limitCredits: ["At least 6 (already spent this period)."] } });
    expect((await caller.budgets.list()).account).toMatchObject({ limitCredits: 10, spentCredits: 6 });
  });

  it("takes a time zone in any case and stores its canonical IANA name", async () => {
    const user = await createUser();
    await callerFor(user).budgets.set({ scope: "ACCOUNT", limitCredits: 10, period: "MONTH", timeZone: "america/new_york" });
    expect((await callerFor(user).budgets.list()).account).toMatchObject({ timeZone: "America/New_York" });
  });

  it.each([
    ["a negative limit", { limitCredits: -1 }, "limitCredits"],
    ["a fractional limit", { limitCredits: 2.5 }, "limitCredits"],
    ["a limit over a billion", { limitCredits: 1_000_000_001 }, "limitCredits"],
    ["an unknown time zone", { timeZone: "Mars/Olympus_Mons" }, "timeZone"],
    ["an offset for a time zone", { timeZone: "+01:00" }, "timeZone"],
    ["an empty time zone", { timeZone: "" }, "timeZone"],
    ["an unknown period", { period: "WEEK" }, "period"],
  ])("refuses %s with VALIDATION_ERROR on its field", async (_name, patch, field) => {
    const user = await createUser();
    const error = await procedureError(callerFor(user).budgets.set({ scope: "ACCOUNT", limitCredits: 10, ...monthly, ...patch } as never));
    expect(error.appCode).toBe("VALIDATION_ERROR");
    expect(Object.keys(error.fieldErrors ?? {})).toEqual([field]);
    expect(await db.budget.count({ where: { workspaceId: user.id } })).toBe(0);
  });

  it("accepts the bounds: a limit of 0 (nothing may be spent) and of a billion", async () => {
    const user = await createUser({ balance: 10 });
    const caller = callerFor(user);
    await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 1_000_000_000, ...monthly });
    await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 0, ...monthly });
    expect(await procedureError(caller.jobs.create(jobRequest({ outputs: 1 })))).toMatchObject({ appCode: "BUDGET_EXCEEDED" });
  });

  it("needs a key id for a key's budget, and refuses a malformed budget id", async () => {
    const user = await createUser();
    const noKey = await procedureError(callerFor(user).budgets.set({ scope: "API_KEY", limitCredits: 10, ...monthly } as never));
    expect(noKey).toMatchObject({ appCode: "VALIDATION_ERROR", fieldErrors: { apiKeyId: expect.any(Array) } });
    for (const budgetId of ["", "12a", "-1", "99999999999999999999", "9223372036854775808"]) {
      const error = await procedureError(callerFor(user).budgets.remove({ budgetId }));
      expect(error, budgetId).toMatchObject({ appCode: "VALIDATION_ERROR", fieldErrors: { budgetId: ["Not a budget id."] } });
    }
  });

  it("removes a budget: creates are no longer held by it; removing it again is done, not an error", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const { id } = await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 0, ...monthly });
    expect(await procedureError(caller.jobs.create(jobRequest()))).toMatchObject({ appCode: "BUDGET_EXCEEDED" });
    await caller.budgets.remove({ budgetId: id });
    expect((await caller.budgets.list()).account).toBeNull();
    await caller.jobs.create(jobRequest());
    // A retry whose first answer was lost (or a second click) finds it removed: done.
    await caller.budgets.remove({ budgetId: id });
    const changes = await db.budgetChange.findMany({ where: { budgetId: BigInt(id) }, select: { action: true } });
    expect(changes.map((c) => c.action)).toEqual(["CREATE", "REMOVE"]);
    // Another account's removed budget stays NOT_FOUND.
    const stranger = callerFor(await createUser());
    expect(await procedureError(stranger.budgets.remove({ budgetId: id }))).toMatchObject({ appCode: "NOT_FOUND", httpStatus: 404 });
  });

  it("is for signed-in users only", async () => {
    expect(await procedureError(callerFor(null).budgets.list())).toMatchObject({ appCode: "UNAUTHORIZED" });
    expect(await procedureError(callerFor(null).budgets.set({ scope: "ACCOUNT", limitCredits: 1, ...monthly }))).toMatchObject({ appCode: "UNAUTHORIZED" });
  });
});

describe("another user's budgets and keys (SPEC §3.11)", () => {
  it("are NOT_FOUND: a key's budget cannot be set on someone else's key, nor their budget removed, nor seen", async () => {
    const owner = await createUser();
    const stranger = await createUser();
    const key = await keyOf(owner);
    const { id } = await callerFor(owner).budgets.set({ scope: "API_KEY", apiKeyId: key.id, limitCredits: 7, ...monthly });

    const setOnTheirKey = await procedureError(callerFor(stranger).budgets.set({ scope: "API_KEY", apiKeyId: key.id, limitCredits: 1_000, ...monthly }));
    expect(setOnTheirKey).toMatchObject({ appCode: "NOT_FOUND", httpStatus: 404 });
    const removeTheirs = await procedureError(callerFor(stranger).budgets.remove({ budgetId: id }));
    expect(removeTheirs).toMatchObject({ appCode: "NOT_FOUND", httpStatus: 404 });
    expect(await callerFor(stranger).budgets.list()).toEqual({ account: null, keys: [], keysWithoutBudget: [], members: [] });

    // The owner's budget is as it was.
    expect((await callerFor(owner).budgets.list()).keys).toMatchObject([{ id, limitCredits: 7, apiKey: { id: key.id } }]);
    expect(await db.budget.count({ where: { workspaceId: stranger.id } })).toBe(0);
  });

  it("a revoked key of one's own is NOT_FOUND for a new budget", async () => {
    const user = await createUser();
    const key = await keyOf(user);
    await callerFor(user).apiKeys.revoke({ id: key.id });
    const error = await procedureError(callerFor(user).budgets.set({ scope: "API_KEY", apiKeyId: key.id, limitCredits: 5, ...monthly }));
    expect(error).toMatchObject({ appCode: "NOT_FOUND" });
  });
});

describe("jobs.create over a budget", () => {
  it("is BUDGET_EXCEEDED (402) naming the budget, what is left and when it resets, and charges nothing", async () => {
    const user = await createUser({ balance: 100 });
    const caller = callerFor(user);
    const { id } = await caller.budgets.set({ scope: "ACCOUNT", limitCredits: 4, ...monthly });
    await caller.jobs.create(jobRequest({ outputs: 2 }));
    const charges = await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } });

    const error = await procedureError(caller.jobs.create(jobRequest({ outputs: 2 })));
    expect(error).toMatchObject({ appCode: "BUDGET_EXCEEDED", httpStatus: 402 });
    expect(error.budget).toEqual({
      id, scope: "ACCOUNT", period: "MONTH", apiKeyId: null, memberUserId: null,
      limitCredits: 4, spentCredits: 4, remainingCredits: 0, resetsAt: nextUtcMonth().toISOString(),
    });
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "CHARGE" } })).toBe(charges);
    expect(await db.job.count({ where: { workspaceId: user.id } })).toBe(1);
  });
});
