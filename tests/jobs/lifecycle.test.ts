import { describe, expect, it } from "vitest";

import { runJob } from "~/server/jobs/run";
import { accountState, callerFor, createUser, db, expectConserved, jobRequest, testConfig, workerDeps } from "../helpers";

describe("a job's life: charge, run, settle", () => {
  it("charges the full cost at creation and completes with no refund", async () => {
    const user = await createUser({ balance: 50 });
    const { job, replayed } = await callerFor(user).jobs.create(jobRequest({ outputs: 3 }));
    expect(replayed).toBe(false);
    expect(job.status).toBe("PENDING");
    expect(job.totalCost).toBe(6);
    expect((await accountState(user.id)).balance).toBe(44);

    const outcome = await runJob(workerDeps(), job.id);
    expect(outcome.kind).toBe("settled");
    const finished = await callerFor(user).jobs.get({ id: job.id });
    expect(finished.status).toBe("COMPLETED");
    expect(finished.outputs).toHaveLength(3);
    expect(finished.refundedAmount).toBe(0);
    expect((await accountState(user.id)).balance).toBe(44);
    await expectConserved(user.id, expect);
  });

  it("#fail-output-2 on a 4-output job completes with 3 outputs and refunds one output", async () => {
    const user = await createUser({ balance: 50 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 4, modelId: "canvas-v1", prompt: "sunset #fail-output-2" }));
    await runJob(workerDeps(), job.id);
    const finished = await callerFor(user).jobs.get({ id: job.id });
    expect(finished.status).toBe("COMPLETED");
    expect(finished.outputsDone).toBe(3);
    expect(finished.outputs.filter((o) => o.status === "COMPLETED")).toHaveLength(3);
    expect(finished.outputs.find((o) => o.index === 1)?.status).toBe("FAILED");
    expect(finished.refundedAmount).toBe(5);
    expect((await accountState(user.id)).balance).toBe(50 - 20 + 5);
    const refunds = await db.ledgerEntry.findMany({ where: { jobId: job.id, kind: "REFUND" } });
    expect(refunds.map((r) => r.amount)).toEqual([5]);
    await expectConserved(user.id, expect);
  });

  it("#fail ends FAILED with every credit back", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 2, prompt: "doomed #fail" }));
    await runJob(workerDeps(), job.id);
    const finished = await callerFor(user).jobs.get({ id: job.id });
    expect(finished.status).toBe("FAILED");
    expect(finished.errorCode).toBe("SANDBOX_FAIL");
    expect(finished.refundedAmount).toBe(4);
    expect((await accountState(user.id)).balance).toBe(20);
    await expectConserved(user.id, expect);
  });

  it("records the claim, each heartbeat, each output and the settlement on the job's timeline", async () => {
    const user = await createUser({ balance: 20 });
    const { job } = await callerFor(user).jobs.create(jobRequest({ outputs: 4, prompt: "a slow story #slow" }));
    const deps = workerDeps({ config: { ...testConfig, leaseMs: 600 } });
    await runJob(deps, job.id);
    const events = await db.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { id: "asc" } });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe("created");
    expect(types[1]).toBe("claimed");
    expect(types.filter((type) => type === "output")).toHaveLength(4);
    expect(types.filter((type) => type === "heartbeat").length).toBeGreaterThanOrEqual(1);
    expect(types.at(-1)).toBe("settled");
    expect(events.filter((event) => event.type === "heartbeat").every((event) => event.workerId === deps.workerId)).toBe(true);
  });
});
