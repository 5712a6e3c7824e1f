import { describe, expect, it } from "vitest";

// SPEC §3.11: the cron route fails closed when CRON_SECRET is not configured.
// The environment is validated at import, so the secret is removed before
// anything of the app is imported (dynamic imports only in this file).
delete process.env.CRON_SECRET;
const { GET: cronCleanup } = await import("~/app/api/cron/cleanup-stuck-jobs/route");
const { env } = await import("~/env.js");
const { callerFor, createUser, db, jobRequest } = await import("../helpers");

describe("§3.11 the cron route without CRON_SECRET", () => {
  it("refuses every request with 503 and runs nothing", async () => {
    expect(env.CRON_SECRET).toBeUndefined();
    const user = await createUser({ balance: 10 });
    const { job } = await callerFor(user).jobs.create(jobRequest());
    await db.$executeRaw`UPDATE job SET deadline_at = now() - interval '1 minute' WHERE id = ${job.id}::uuid`;
    for (const authorization of [null, "", "Bearer", "Bearer ", "Bearer undefined", "Bearer null", "Bearer test-cron-secret-0123456789"]) {
      const headers: Record<string, string> = authorization === null ? {} : { authorization };
      const response = await cronCleanup(new Request("http://localhost/api/cron/cleanup-stuck-jobs", { headers }));
      expect(response.status, String(authorization)).toBe(503);
    }
    const row = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("PENDING");
  });
});
