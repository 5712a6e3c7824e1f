import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { GET as cronCleanup } from "~/app/api/cron/cleanup-stuck-jobs/route";
import { appRouter } from "~/server/trpc/root";
import { isAuthorizedBearer } from "~/server/cron-auth";

import { accountState, callerFor, createUser, db, jobRequest, type TestUser } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { jobRow } from "../fixtures/jobs";

// SPEC §3.11 Access: a user sees and cancels only their own jobs and ledger;
// only admins reach admin procedures; the cron route refuses any request
// without the secret and fails closed when the secret is not configured
// (that case: 11-access-cron-unset.test.ts).

/**
 * Procedures anyone may call (the catalog, the credit packs, "who am I").
 * Every other procedure must refuse anonymous callers: adding a public
 * procedure means adding it here, on purpose.
 */
// The email-change undo link's procedures need no session: the link's
// token is the proof (an unknown one is "invalid", a malformed one a 400).
const publicProcedures = new Set(["catalog.list", "checkout.packs", "account.me", "account.emailChangeUndo", "account.undoEmailChange"]);

const procedurePaths = Object.keys(appRouter._def.procedures);

function call(user: TestUser | null, path: string, input: unknown): Promise<unknown> {
  type Node = Record<string, unknown> & ((input: unknown) => Promise<unknown>);
  const procedure = path.split(".").reduce<Node>((node, key) => node[key] as Node, callerFor(user) as unknown as Node);
  return procedure(input);
}

describe("§3.11 access: jobs and ledger are private", () => {
  it("another user's job is NOT_FOUND for get and cancel, and cancelling it refunds nothing", async () => {
    const owner = await createUser({ balance: 20 });
    const stranger = await createUser({ balance: 20 });
    const { job } = await callerFor(owner).jobs.create(jobRequest({ outputs: 2 }));
    const ownerBefore = await accountState(owner.id);

    for (const attempt of [callerFor(stranger).jobs.get({ id: job.id }), callerFor(stranger).jobs.cancel({ id: job.id })]) {
      expect(await procedureError(attempt)).toMatchObject({ appCode: "NOT_FOUND", httpStatus: 404 });
    }
    // A job id that exists nowhere looks exactly the same.
    expect(await procedureError(callerFor(stranger).jobs.get({ id: randomUUID() }))).toMatchObject({ appCode: "NOT_FOUND" });
    expect((await jobRow(job.id)).status).toBe("PENDING");
    expect(await db.ledgerEntry.count({ where: { jobId: job.id, kind: "REFUND" } })).toBe(0);
    expect(await accountState(owner.id)).toEqual(ownerBefore);
    expect((await accountState(stranger.id)).balance).toBe(20);
  });

  it("list, ledger and summary show only the caller's own rows", async () => {
    const alice = await createUser({ balance: 30 });
    const bob = await createUser({ balance: 40 });
    const aliceJob = await callerFor(alice).jobs.create(jobRequest());
    const bobJob = await callerFor(bob).jobs.create(jobRequest({ outputs: 3 }));

    const aliceList = await callerFor(alice).jobs.list({});
    expect(aliceList.items.map((j) => j.id)).toEqual([aliceJob.job.id]);
    expect((await callerFor(bob).jobs.list({})).items.map((j) => j.id)).toEqual([bobJob.job.id]);
    // A cursor naming someone else's job leaks nothing of theirs.
    const viaForeignCursor = await callerFor(alice).jobs.list({ cursor: bobJob.job.id });
    expect(viaForeignCursor.items.every((j) => j.workspaceId === alice.id)).toBe(true);

    const aliceLedger = await callerFor(alice).credits.ledger({});
    expect(aliceLedger.items).toHaveLength(2);
    expect(aliceLedger.items.every((e) => e.jobId === null || e.jobId === aliceJob.job.id)).toBe(true);
    const aliceEntryIds = new Set((await db.ledgerEntry.findMany({ where: { workspaceId: alice.id } })).map((e) => e.id.toString()));
    expect(aliceLedger.items.every((e) => aliceEntryIds.has(e.id))).toBe(true);

    expect(await callerFor(alice).credits.summary()).toEqual({ available: 26, reserved: 4, activeJobs: 1, expiringSoon: null });
    expect(await callerFor(bob).credits.summary()).toEqual({ available: 34, reserved: 6, activeJobs: 1, expiringSoon: null });
  });
});

describe("§3.11 access: procedures", () => {
  it("the router has the procedures this test is about", () => {
    expect(procedurePaths).toEqual(expect.arrayContaining([
      "catalog.list", "credits.summary", "credits.ledger", "jobs.create", "jobs.get", "jobs.list", "jobs.cancel",
      "admin.stats", "admin.users", "admin.adjustCredits",
    ]));
  });

  it("every admin procedure refuses a USER with FORBIDDEN and an anonymous caller with UNAUTHORIZED", async () => {
    const user = await createUser({ balance: 10 });
    const adminPaths = procedurePaths.filter((path) => path.startsWith("admin."));
    expect(adminPaths.length).toBeGreaterThanOrEqual(3);
    const validAdjust = { userId: user.id, amount: 1_000, reason: "Trying my luck", idempotencyKey: randomUUID() };
    for (const path of adminPaths) {
      const input = path === "admin.adjustCredits" ? validAdjust : {};
      expect(await procedureError(call(user, path, input)), path).toMatchObject({ appCode: "FORBIDDEN", httpStatus: 403 });
      expect(await procedureError(call(null, path, input)), path).toMatchObject({ appCode: "UNAUTHORIZED", httpStatus: 401 });
    }
    expect((await accountState(user.id)).balance).toBe(10);
    expect(await db.adminAudit.count()).toBe(0);
  });

  it("every procedure except the public ones refuses an anonymous caller with UNAUTHORIZED", async () => {
    for (const path of procedurePaths.filter((p) => !publicProcedures.has(p))) {
      expect(await procedureError(call(null, path, {})), path).toMatchObject({ appCode: "UNAUTHORIZED", httpStatus: 401 });
    }
    expect(await callerFor(null).catalog.list()).not.toHaveLength(0);
    // "Who am I" answers anonymous callers with nobody, not with someone.
    if (procedurePaths.includes("account.me")) expect(await call(null, "account.me", undefined)).toBeNull();
  });

  it("an admin does reach admin procedures", async () => {
    const admin = await createUser({ role: "ADMIN" });
    await expect(callerFor(admin).admin.stats({})).resolves.toBeDefined();
  });
});

describe("§3.11 access: the cron route", () => {
  const secret = process.env.CRON_SECRET!;
  const request = (authorization?: string) =>
    new Request("http://localhost/api/cron/cleanup-stuck-jobs", { headers: authorization === undefined ? {} : { authorization } });

  it("refuses a request without the right Bearer secret (401) and runs nothing", async () => {
    const user = await createUser({ balance: 10 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await db.$executeRaw`UPDATE job SET deadline_at = now() - interval '1 minute' WHERE id = ${job.id}::uuid`;
    for (const authorization of [
      undefined, "", "Bearer", "Bearer ", "Bearer wrong-secret-0123456789", `Bearer ${secret}x`, `Bearer ${secret.slice(0, -1)}`,
      `Basic ${secret}`, `bearer ${secret}`, secret, `Bearer  ${secret}`,
    ]) {
      const response = await cronCleanup(request(authorization));
      expect(response.status, String(authorization)).toBe(401);
    }
    expect((await jobRow(job.id)).status).toBe("PENDING");
  });

  it("with the right secret, runs the cleanup and returns JSON counts", async () => {
    const user = await createUser({ balance: 10 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await db.$executeRaw`UPDATE job SET deadline_at = now() - interval '1 minute' WHERE id = ${job.id}::uuid`;
    const response = await cronCleanup(request(`Bearer ${secret}`));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, number>;
    // Earlier tests of this file left overdue jobs too; each is failed once.
    expect(Object.keys(body)).toEqual(expect.arrayContaining(["recovered", "failed", "refunded", "scanned"]));
    expect(body.failed).toBeGreaterThanOrEqual(1);
    expect(body.refunded).toBe(body.failed);
    expect((await jobRow(job.id)).status).toBe("FAILED");
    expect((await accountState(user.id)).balance).toBe(10);
  });

  it("isAuthorizedBearer fails closed without a secret and compares the whole secret", () => {
    expect(isAuthorizedBearer("Bearer ", undefined)).toBe(false);
    expect(isAuthorizedBearer("Bearer undefined", undefined)).toBe(false);
    expect(isAuthorizedBearer("Bearer ", "")).toBe(false);
    expect(isAuthorizedBearer(null, "")).toBe(false);
    expect(isAuthorizedBearer("Bearer s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")).toBe(true);
    expect(isAuthorizedBearer("Bearer s3cret-s3cret-s3cre", "s3cret-s3cret-s3cret")).toBe(false);
    expect(isAuthorizedBearer("Bearer s3cret-s3cret-s3cret ", "s3cret-s3cret-s3cret")).toBe(false);
  });
});
