import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { durationRelativeErrorMax } from "~/server/admin/duration-histogram";
import { integrityChecks, runIntegrityChecks } from "~/server/integrity";
import { createApiKey } from "~/server/api-keys/keys";
import { createJob } from "~/server/jobs/create";
import { runJob } from "~/server/jobs/run";
import { money } from "~/server/money";
import { actingAs, accountState, callerFor, createUser, db, expectConserved, jobRequest, testConfig, workerDeps } from "../helpers";

type Caller = ReturnType<typeof callerFor>;

/** One valid call of every admin procedure: access control must hold for each. */
const everyAdminCall: Record<string, (caller: Caller) => Promise<unknown>> = {
  stats: (caller) => caller.admin.stats({ hours: 24 }),
  timeseries: (caller) => caller.admin.timeseries({ hours: 24 }),
  users: (caller) => caller.admin.users({}),
  user: (caller) => caller.admin.user({ id: "someone" }),
  workspaces: (caller) => caller.admin.workspaces({ query: "team" }),
  workspace: (caller) => caller.admin.workspace({ id: "someone" }),
  adjustCredits: (caller) =>
    caller.admin.adjustCredits({ userId: "someone", amount: 5, reason: "a gift", idempotencyKey: randomUUID() }),
  jobs: (caller) => caller.admin.jobs({}),
  job: (caller) => caller.admin.job({ id: randomUUID() }),
  forceFail: (caller) => caller.admin.forceFail({ id: randomUUID(), reason: "stuck" }),
  integrity: (caller) => caller.admin.integrity({}),
  audit: (caller) => caller.admin.audit({}),
  voidGrant: (caller) => caller.admin.voidGrant({ grantId: "1", reason: "abuse" }),
};

describe("admin procedures: access control", () => {
  it("lists a call for every admin procedure", async () => {
    const { adminRouter } = await import("~/server/trpc/routers/admin");
    expect(Object.keys(everyAdminCall).sort()).toEqual(Object.keys(adminRouter._def.procedures).sort());
  });

  it.each(Object.keys(everyAdminCall))("%s: a user gets FORBIDDEN, anonymous UNAUTHORIZED", async (name) => {
    const call = everyAdminCall[name]!;
    const user = await createUser({ balance: 10 });
    await expect(call(callerFor(user))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(call(callerFor(null))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await db.adminAudit.count()).toBe(0);
    expect((await accountState(user.id)).balance).toBe(10);
  });
});

describe("admin procedures", () => {
  it("stats and timeseries count jobs by status and credits by kind", async () => {
    const admin = await createUser({ role: "ADMIN" });
    // Earlier tests of this file share the database: compare with a baseline.
    const baseline = await callerFor(admin).admin.stats({ hours: 1 });
    const baseSeries = await callerFor(admin).admin.timeseries({ hours: 24 });
    const user = await createUser({ balance: 100 });
    const ok = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    const failed = await callerFor(user).jobs.create(jobRequest({ outputs: 3, prompt: "#fail" }));
    await callerFor(user).jobs.create(jobRequest({ outputs: 1 }));
    await runJob(workerDeps(), ok.job.id);
    await runJob(workerDeps(), failed.job.id);

    const stats = await callerFor(admin).admin.stats({ hours: 1 });
    const delta = (status: string) => (stats.jobsByStatus[status] ?? 0) - (baseline.jobsByStatus[status] ?? 0);
    expect([delta("COMPLETED"), delta("FAILED"), delta("PENDING")]).toEqual([1, 1, 1]);
    expect(stats.successRate).toBeGreaterThan(0);
    // Percentiles of completed jobs' durations (created → finished), read
    // from a histogram within 2 %: between the shortest and longest one.
    const [range] = await db.$queryRaw<{ shortest: number; longest: number }[]>`
      SELECT min(extract(epoch FROM finished_at - created_at) * 1000)::float8 AS shortest,
             max(extract(epoch FROM finished_at - created_at) * 1000)::float8 AS longest
      FROM job WHERE status = 'COMPLETED'`;
    expect(stats.durationP50Ms).toBeGreaterThanOrEqual(Math.max(1, range!.shortest) * (1 - durationRelativeErrorMax));
    expect(stats.durationP95Ms).toBeGreaterThanOrEqual(stats.durationP50Ms!);
    expect(stats.durationP95Ms).toBeLessThanOrEqual(Math.max(1, range!.longest) * (1 + durationRelativeErrorMax));
    expect(stats.credits.charged - baseline.credits.charged).toBe(12);
    expect(stats.credits.refunded - baseline.credits.refunded).toBe(6);
    expect(stats.credits.granted - baseline.credits.granted).toBe(100);
    expect(stats.activeJobs - baseline.activeJobs).toBe(1);
    expect(stats.queueDepth).toBeGreaterThanOrEqual(1);
    expect(stats.stuckJobs).toBe(0);

    const series = await callerFor(admin).admin.timeseries({ hours: 24 });
    expect(series.unit).toBe("hour");
    expect(series.points.length).toBeGreaterThanOrEqual(24);
    const total = (key: "completed" | "failed" | "active" | "charged" | "refunded" | "granted") =>
      series.points.reduce((sum, point) => sum + point[key], 0) -
      baseSeries.points.reduce((sum, point) => sum + point[key], 0);
    expect([total("completed"), total("failed"), total("active")]).toEqual([1, 1, 1]);
    expect([total("charged"), total("refunded"), total("granted")]).toEqual([12, 6, 100]);
    expect((await callerFor(admin).admin.timeseries({ hours: 24 * 7 })).unit).toBe("day");
  });

  it("users: search by email, detail with balance, jobs, ledger", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const needle = `needle-${randomUUID().slice(0, 8)}@example.test`;
    const user = await createUser({ balance: 40, email: needle });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    const found = await callerFor(admin).admin.users({ query: needle.slice(0, 15).toUpperCase() });
    expect(found.items.map((item) => item.id)).toEqual([user.id]);
    const detail = await callerFor(admin).admin.user({ id: user.id });
    expect(detail.user).toMatchObject({ id: user.id, balance: 36, email: needle });
    expect(detail).toMatchObject({ reserved: 4, activeJobs: 1 });
    expect(detail.jobs.map((item) => item.id)).toEqual([job.id]);
    expect(detail.ledger.map((entry) => [entry.kind, entry.amount])).toEqual([["CHARGE", -4], ["GRANT", 40]]);
    await expect(callerFor(admin).admin.user({ id: "nobody" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("user: the budgets with what is spent this period, and every change with who made it, before and after", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 100 });
    const { key } = await createApiKey(db, user.id, { name: "nightly", scopes: ["jobs:write"] });
    const setting = { workspaceId: user.id, actorUserId: user.id, timeZone: "Europe/Paris" } as const;
    const monthly = await money.setBudget(db, { ...setting, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 10 });
    await money.setBudget(db, { ...setting, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 20 });
    const keyTotal = await money.setBudget(db, { ...setting, scope: "API_KEY", apiKeyId: key.id, period: "TOTAL", limitCredits: 6 });
    await callerFor(user).jobs.create(jobRequest({ outputs: 2 })); // 4 against the account's budget
    await createJob(db, actingAs(user.id), { ...jobRequest({ outputs: 1 }), apiKeyId: key.id }, testConfig); // 2 against both
    const removed = await money.setBudget(db, { ...setting, scope: "API_KEY", apiKeyId: key.id, period: "MONTH", limitCredits: 8 });
    await money.removeBudget(db, { workspaceId: user.id, actorUserId: admin.id, budgetId: removed.id });

    const detail = await callerFor(admin).admin.user({ id: user.id });
    // Live budgets first, then removed ones (newest first); spent in the period that holds now.
    const summary = detail.budgets.map(({ id, scope, period, limitCredits, spentCredits, removedAt }) =>
      ({ id, scope, period, limitCredits, spentCredits, removed: removedAt !== null }));
    expect(summary).toEqual([
      { id: monthly.id.toString(), scope: "ACCOUNT", period: "MONTH", limitCredits: 20, spentCredits: 6, removed: false },
      { id: removed.id.toString(), scope: "API_KEY", period: "MONTH", limitCredits: 8, spentCredits: 0, removed: true },
      { id: keyTotal.id.toString(), scope: "API_KEY", period: "TOTAL", limitCredits: 6, spentCredits: 2, removed: true },
    ]);
    expect(detail.budgets[2]).toMatchObject({ apiKey: { id: key.id, name: "nightly" }, resetsAt: null });
    // A monthly budget resets at midnight on the 1st in its own time zone.
    const resetsAt = detail.budgets[0]!.resetsAt!;
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(resetsAt)).toBe("01, 00:00");
    expect(resetsAt.getTime()).toBeGreaterThan(Date.now());

    expect(detail.budgetChanges.map(({ action, actorEmail, budgetId }) => [action, actorEmail, budgetId])).toEqual([
      ["REMOVE", admin.email, removed.id.toString()],
      ["CREATE", user.email, removed.id.toString()],
      ["CREATE", user.email, keyTotal.id.toString()],
      ["LIMIT", user.email, monthly.id.toString()],
      ["CREATE", user.email, monthly.id.toString()],
    ]);
    expect(detail.budgetChanges[3]).toMatchObject({ before: { limitCredits: 10, period: "MONTH" }, after: { limitCredits: 20, period: "MONTH" } });
    // A new period for a key's budget ends the old budget and starts a new one: before is the old one.
    expect(detail.budgetChanges[1]).toMatchObject({ before: { period: "TOTAL", limitCredits: 6 }, after: { period: "MONTH", limitCredits: 8 } });
    // A stranger's budgets are not in this user's page.
    const stranger = await createUser({ balance: 10 });
    expect((await callerFor(admin).admin.user({ id: stranger.id })).budgets).toEqual([]);
  });

  it("grants and deducts with a reason, audited, and never overdraws", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 10 });
    const caller = callerFor(admin).admin;
    const grant = await caller.adjustCredits({ userId: user.id, amount: 25, reason: "Goodwill", idempotencyKey: randomUUID() });
    expect(grant).toMatchObject({ replayed: false, entry: { kind: "GRANT", amount: 25, balanceAfter: 35 } });
    const deduct = await caller.adjustCredits({ userId: user.id, amount: -5, reason: "Abuse", idempotencyKey: randomUUID() });
    expect(deduct.entry).toMatchObject({ kind: "ADJUSTMENT", amount: -5, balanceAfter: 30 });
    await expect(
      caller.adjustCredits({ userId: user.id, amount: -31, reason: "Too much", idempotencyKey: randomUUID() }),
    ).rejects.toMatchObject({ code: "PAYMENT_REQUIRED", cause: { code: "INSUFFICIENT_CREDITS" } });
    await expect(
      caller.adjustCredits({ userId: user.id, amount: 5, reason: "", idempotencyKey: randomUUID() }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await accountState(user.id)).balance).toBe(30);
    await expectConserved(user.id, expect);

    const audit = await caller.audit({ targetUserId: user.id });
    expect(audit.items.map((row) => [row.action, row.reason, row.before, row.after, row.adminEmail])).toEqual([
      ["credits.deduct", "Abuse", { balance: 35 }, { balance: 30 }, admin.email],
      ["credits.grant", "Goodwill", { balance: 10 }, { balance: 35, grantId: expect.any(String) }, admin.email],
    ]);
  });

  it("a grant's internal note stays with the admins: the user's statement shows only the reason for them", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 10 });
    const note = "Ticket #4411: angry on the phone, escalated by Sam";
    await callerFor(admin).admin.adjustCredits({
      userId: user.id, amount: 15, reason: "Sorry for the outage", note, idempotencyKey: randomUUID(),
    });
    const statement = await callerFor(user).credits.ledger({ limit: 10 });
    const grant = statement.items.find((entry) => entry.amount === 15)!;
    expect(grant.reason).toBe("Sorry for the outage");
    expect(JSON.stringify(statement)).not.toContain("Ticket #4411");
    const ledgerRows = await db.ledgerEntry.findMany({ where: { workspaceId: user.id } });
    expect(JSON.stringify(ledgerRows, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value))).not.toContain("Ticket #4411");
    const audit = await callerFor(admin).admin.audit({ targetUserId: user.id });
    const after = { balance: 25, grantId: expect.any(String), internalNote: note };
    expect(audit.items.map((row) => [row.reason, row.after])).toEqual([["Sorry for the outage", after]]);
    const detail = await callerFor(admin).admin.user({ id: user.id });
    expect(detail.audit[0]?.after).toEqual(after);
    // Without a note, nothing extra is stored.
    await callerFor(admin).admin.adjustCredits({ userId: user.id, amount: 1, reason: "Rounding", note: "  ", idempotencyKey: randomUUID() });
    expect((await callerFor(admin).admin.audit({ targetUserId: user.id })).items[0]?.after).toEqual({ balance: 26, grantId: expect.any(String) });
  });

  it("a grant with terms (category, priority, expiry, a later start), then a void: in the wallet, audited, refused when the terms are bad", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser();
    const caller = callerFor(admin).admin;
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const paid = await caller.adjustCredits({
      userId: user.id, amount: 30, reason: "Refund of an invoice", idempotencyKey: randomUUID(),
      grant: { category: "PAID", priority: 40, expiresAt },
    });
    expect(paid).toMatchObject({ status: "posted", entry: { kind: "GRANT", amount: 30, balanceAfter: 30 } });
    const later = await caller.adjustCredits({
      userId: user.id, amount: 12, reason: "Next month's promo", idempotencyKey: randomUUID(),
      grant: { effectiveAt: new Date(Date.now() + 86_400_000) },
    });
    expect(later).toMatchObject({ status: "scheduled", entry: null });
    const detail = await caller.user({ id: user.id });
    expect(detail.user.balance).toBe(30);
    expect(detail.wallet.grants.map((grant) => [grant.category, grant.priority, grant.state, grant.remaining, grant.expiresAt?.getTime() ?? null]))
      .toEqual([["PAID", 40, "live", 30, expiresAt.getTime()], ["PROMOTIONAL", 10, "scheduled", 0, null]]);

    for (const grant of [
      { expiresAt: new Date(Date.now() - 60_000) },
      { priority: 101 },
      { effectiveAt: new Date(Date.now() + 86_400_000), expiresAt: new Date(Date.now() + 3_600_000) },
    ]) {
      await expect(caller.adjustCredits({ userId: user.id, amount: 5, reason: "bad terms", idempotencyKey: randomUUID(), grant }))
        .rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(caller.adjustCredits({ userId: user.id, amount: -5, reason: "terms on a deduction", idempotencyKey: randomUUID(), grant: { category: "PAID" } }))
      .rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.creditGrant.count({ where: { workspaceId: user.id } })).toBe(2);

    const voided = await caller.voidGrant({ grantId: paid.grantId!, reason: "Invoice disputed" });
    expect(voided).toMatchObject({ voided: 30, replayed: false });
    expect((await accountState(user.id)).balance).toBe(0);
    const entry = await db.ledgerEntry.findFirstOrThrow({ where: { workspaceId: user.id, kind: "EXPIRE" } });
    expect(entry).toMatchObject({ amount: -30, actorType: "ADMIN", reason: "Voided: Invoice disputed" });
    expect((await caller.audit({ targetUserId: user.id })).items[0]).toMatchObject({ action: "credits.void-grant", reason: "Invoice disputed" });
    await expect(caller.voidGrant({ grantId: "999999999", reason: "no such grant" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expectConserved(user.id, expect);
  });

  it("a grant drawn down to nothing is 'spent' in the wallet, not 'live'", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 100 });
    const caller = callerFor(admin).admin;
    await caller.adjustCredits({ userId: user.id, amount: -100, reason: "Chargeback", idempotencyKey: randomUUID() });
    const topUp = await caller.adjustCredits({ userId: user.id, amount: 5, reason: "Goodwill", idempotencyKey: randomUUID() });
    const { wallet } = await caller.user({ id: user.id });
    expect(wallet.grants.map((grant) => [grant.reason, grant.state, grant.remaining])).toEqual([["Goodwill", "live", 5], ["Test credits", "spent", 0]]);
    expect(wallet.grants[0]?.id).toBe(topUp.grantId);
  });

  it("the audit trail filters by every action it records, voids included; another action is refused", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser();
    const caller = callerFor(admin).admin;
    const granted = await caller.adjustCredits({ userId: user.id, amount: 10, reason: "Gift", idempotencyKey: randomUUID() });
    await caller.adjustCredits({ userId: user.id, amount: -2, reason: "Correction", idempotencyKey: randomUUID() });
    await caller.voidGrant({ grantId: granted.grantId!, reason: "Gift sent twice" });
    const actionsOf = async (action?: Parameters<typeof caller.audit>[0]["action"]) =>
      (await caller.audit({ targetUserId: user.id, action })).items.map((row) => row.action);
    expect(await actionsOf()).toEqual(["credits.void-grant", "credits.deduct", "credits.grant"]);
    expect(await actionsOf("credits.void-grant")).toEqual(["credits.void-grant"]);
    expect(await actionsOf("credits.deduct")).toEqual(["credits.deduct"]);
    await expect(caller.audit({ action: "credits.nonsense" as never })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("a grant retried after its expiry has passed replays (the key is checked before the date); an unapplied one is refused", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser();
    const caller = callerFor(admin).admin;
    const request = { userId: user.id, amount: 7, reason: "Short promo", idempotencyKey: randomUUID(), grant: { expiresAt: new Date(Date.now() + 700) } };
    const first = await caller.adjustCredits(request);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const retry = await caller.adjustCredits(request);
    expect(retry).toMatchObject({ replayed: true, grantId: first.grantId });
    await expect(caller.adjustCredits({ ...request, idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await db.creditGrant.count({ where: { workspaceId: user.id } })).toBe(1);
  });

  it("a grant submitted 20 times at once applies once", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 3 });
    const request = { userId: user.id, amount: 50, reason: "Double-clicked", idempotencyKey: randomUUID() };
    const results = await Promise.all(Array.from({ length: 20 }, () => callerFor(admin).admin.adjustCredits(request)));
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.entry?.id)).size).toBe(1);
    expect((await accountState(user.id)).balance).toBe(53);
    expect(await db.ledgerEntry.count({ where: { workspaceId: user.id, kind: "GRANT", amount: 50 } })).toBe(1);
    expect(await db.adminAudit.count({ where: { targetUserId: user.id } })).toBe(1);
    await expect(callerFor(admin).admin.adjustCredits({ ...request, amount: 60 })).rejects.toMatchObject({
      cause: { code: "IDEMPOTENCY_KEY_REUSED" },
    });
    // The same key for another user is a reused key too; nothing moves.
    const other = await createUser({ balance: 1 });
    await expect(callerFor(admin).admin.adjustCredits({ ...request, userId: other.id })).rejects.toMatchObject({
      cause: { code: "IDEMPOTENCY_KEY_REUSED" },
    });
    expect((await accountState(other.id)).balance).toBe(1);
    await expectConserved(user.id, expect);
  });

  it("jobs explorer filters by status, user, model and time; a job shows its timeline and ledger", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 100 });
    const other = await createUser({ balance: 100 });
    const text = await callerFor(user).jobs.create(jobRequest({ outputs: 2 }));
    const image = await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 1 }));
    await callerFor(other).jobs.create(jobRequest());
    const worker = workerDeps();
    await runJob(worker, text.job.id);
    const caller = callerFor(admin).admin;

    const byUser = await caller.jobs({ user: user.email.slice(0, 20) });
    expect(byUser.items.map((job) => job.id)).toEqual([image.job.id, text.job.id]);
    expect((await caller.jobs({ user: user.id, status: "COMPLETED" })).items.map((job) => job.id)).toEqual([text.job.id]);
    expect((await caller.jobs({ user: user.id, modelId: "canvas-v1" })).items.map((job) => job.id)).toEqual([image.job.id]);
    expect((await caller.jobs({ user: user.id, from: new Date(Date.now() + 60_000) })).items).toEqual([]);
    const firstPage = await caller.jobs({ user: user.id, limit: 1 });
    const secondPage = await caller.jobs({ user: user.id, limit: 1, cursor: firstPage.nextCursor! });
    expect([...firstPage.items, ...secondPage.items].map((job) => job.id)).toEqual([image.job.id, text.job.id]);
    expect(secondPage.nextCursor).toBeNull();

    const detail = await caller.job({ id: text.job.id });
    expect(detail.job).toMatchObject({ status: "COMPLETED", actor: { id: user.id, email: user.email } });
    expect(detail.events.map((event) => event.type)).toEqual(["created", "claimed", "output", "output", "settled"]);
    expect(detail.events[1]?.workerId).toBe(worker.workerId);
    expect(detail.outputs.map((output) => output.index)).toEqual([0, 1]);
    expect(detail.ledger.map((entry) => [entry.kind, entry.amount])).toEqual([["CHARGE", -4]]);
  });

  it("force-fail refunds an active job exactly once, audited, through settlement", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 30 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ modelId: "canvas-v1", outputs: 2 }));
    const caller = callerFor(admin).admin;
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () => caller.forceFail({ id: job.id, reason: "Provider outage" })),
    );
    const won = attempts.filter((attempt) => attempt.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect(won[0]?.value).toMatchObject({ refunded: 10, job: { status: "FAILED", errorCode: "FORCE_FAILED" } });
    for (const lost of attempts.filter((attempt) => attempt.status === "rejected")) {
      expect(lost.reason).toMatchObject({ code: "CONFLICT", cause: { code: "JOB_NOT_CANCELLABLE" } });
    }
    await expect(caller.forceFail({ id: job.id, reason: "Again" })).rejects.toMatchObject({
      cause: { code: "JOB_NOT_CANCELLABLE" },
    });
    const refunds = await db.ledgerEntry.findMany({ where: { jobId: job.id, kind: "REFUND" } });
    expect(refunds.map((entry) => [entry.amount, entry.actorType, entry.actorId])).toEqual([[10, "ADMIN", admin.id]]);
    expect((await accountState(user.id)).balance).toBe(30);
    const audit = await db.adminAudit.findMany({ where: { targetJobId: job.id } });
    expect(audit.map((row) => [row.action, row.adminId, row.reason, row.before, row.after])).toEqual([
      [
        "job.force-fail",
        admin.id,
        "Provider outage",
        { status: "PENDING", refundedAmount: 0, outputsDone: 0, leaseOwner: null },
        { status: "FAILED", refundedAmount: 10, goodwill: false, leaseOwner: null },
      ],
    ]);
    // A worker that picks the job up afterwards changes nothing.
    expect((await runJob(workerDeps(), job.id)).kind).toBe("not-claimed");
    await expectConserved(user.id, expect);
    expect((await runIntegrityChecks(db, { jobId: job.id })).ok).toBe(true);
  });

  it("force-fail refuses finished and unknown jobs", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 30 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await runJob(workerDeps(), job.id);
    await expect(callerFor(admin).admin.forceFail({ id: job.id, reason: "Too late" })).rejects.toMatchObject({
      cause: { code: "JOB_NOT_CANCELLABLE" },
    });
    await expect(callerFor(admin).admin.forceFail({ id: randomUUID(), reason: "Ghost" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await db.adminAudit.count({ where: { targetJobId: job.id } })).toBe(0);
  });

  it("integrity: the whole database and one job", async () => {
    const admin = await createUser({ role: "ADMIN" });
    const user = await createUser({ balance: 30 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    const report = await callerFor(admin).admin.integrity({});
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(integrityChecks.length);
    const scoped = await callerFor(admin).admin.integrity({ jobId: job.id });
    expect(scoped.scope).toEqual({ jobId: job.id, workspaceId: user.id });
    expect(scoped.ok).toBe(true);
  });
});
