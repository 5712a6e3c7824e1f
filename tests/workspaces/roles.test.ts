import { describe, expect, it } from "vitest";

import { createApiKey } from "~/server/api-keys/keys";

import { db, jobRequest } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { allScopes, serveRest } from "../fixtures/rest";
import { callerIn, grantCredits, makeTeam } from "../fixtures/workspaces";

// SPEC §9 within one team: a MEMBER spends within budget and sees their own
// jobs; the team's statement only if the team allows it; billing is the
// owners'. The same rules hold over REST for a key, which acts as the member
// who created it.

describe("a team's MEMBER", () => {
  it("creates jobs in the team's wallet, sees and cancels only their own; OWNER and ADMIN see every job", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    const member = await callerIn(team.member, team.id);
    const admin = await callerIn(team.admin, team.id);
    const mine = await member.jobs.create(jobRequest());
    const theirs = await admin.jobs.create(jobRequest());
    expect((await db.job.findUniqueOrThrow({ where: { id: mine.job.id } })).actorUserId).toBe(team.member.id);
    expect((await member.jobs.list({ limit: 50 })).items.map((j) => j.id)).toEqual([mine.job.id]);
    expect((await admin.jobs.list({ limit: 50 })).items.map((j) => j.id).sort()).toEqual([mine.job.id, theirs.job.id].sort());
    expect((await procedureError(member.jobs.get({ id: theirs.job.id }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError(member.jobs.cancel({ id: theirs.job.id }))).appCode).toBe("NOT_FOUND");
    expect(await member.jobs.byIdempotencyKey({ idempotencyKey: (await db.job.findUniqueOrThrow({ where: { id: theirs.job.id } })).idempotencyKey })).toBeNull();
    expect((await member.jobs.get({ id: mine.job.id })).id).toBe(mine.job.id);
    await member.jobs.cancel({ id: mine.job.id });
    expect((await (await callerIn(team.owner, team.id)).jobs.get({ id: theirs.job.id })).id).toBe(theirs.job.id);
  });

  it("reads the team's statement only when the owner allows it; the balance always", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    const member = await callerIn(team.member, team.id);
    expect((await member.credits.summary()).available).toBe(100);
    for (const call of [() => member.credits.ledger({ limit: 10 }), () => member.credits.wallet(), () => member.account.totals()]) {
      expect((await procedureError(call())).appCode).toBe("FORBIDDEN");
    }
    expect((await (await callerIn(team.admin, team.id)).credits.ledger({ limit: 10 })).items).toHaveLength(1);
    await (await callerIn(team.owner, team.id)).workspaces.setStatementVisibility({ membersSeeStatement: true });
    expect((await member.credits.ledger({ limit: 10 })).items).toHaveLength(1);
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "SETTINGS_CHANGED" } })).toBe(1);
  });

  it("cannot buy credits, manage keys, budgets, webhooks or members (FORBIDDEN)", async () => {
    const team = await makeTeam();
    const member = await callerIn(team.member, team.id);
    const calls = [
      member.checkout.open({ packId: "starter" }),
      member.billing.autoTopup(),
      member.apiKeys.create({ name: "k", scopes: ["jobs:read"] }),
      member.budgets.set({ scope: "ACCOUNT", period: "MONTH", limitCredits: 5, timeZone: "UTC" }),
      member.webhooks.list(),
      member.workspaces.invite({ email: "x@example.test", role: "MEMBER" }),
      member.workspaces.removeMember({ userId: team.admin.id }),
    ];
    for (const call of calls) expect((await procedureError(call)).appCode).toBe("FORBIDDEN");
    // ADMIN manages keys and budgets, but buys nothing.
    const admin = await callerIn(team.admin, team.id);
    await admin.apiKeys.create({ name: "k", scopes: ["jobs:read"] });
    await admin.budgets.set({ scope: "MEMBER", memberUserId: team.member.id, period: "MONTH", limitCredits: 5, timeZone: "UTC" });
    expect((await procedureError(admin.checkout.open({ packId: "starter" }))).appCode).toBe("FORBIDDEN");
  });
});

describe("REST: a key acts as the member who created it", () => {
  it("a MEMBER's key lists only its member's jobs and gets 403 on the ledger; a removed member's key stops", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    // A member's key, as an admin would have it made for them before being demoted (keys are ADMIN+ to create).
    const { secret } = await createApiKey(db, team.id, { name: "m", scopes: allScopes }, team.member.id);
    const theirs = await (await callerIn(team.admin, team.id)).jobs.create(jobRequest());
    const rest = await serveRest();
    try {
      const created = await rest.request("POST", "/jobs", { key: secret, body: { modelId: "storyteller-v1", prompt: "p", outputs: 1 }, idempotencyKey: crypto.randomUUID() });
      expect(created.status).toBe(201);
      expect((await db.job.findUniqueOrThrow({ where: { id: created.json.id as string } })).actorUserId).toBe(team.member.id);
      const listed = await rest.request("GET", "/jobs", { key: secret });
      expect((listed.json.items as { id: string }[]).map((j) => j.id)).toEqual([created.json.id]);
      expect((await rest.request("GET", `/jobs/${theirs.job.id}`, { key: secret })).status).toBe(404);
      expect((await rest.request("GET", "/ledger", { key: secret })).status).toBe(403);
      expect((await rest.request("GET", "/balance", { key: secret })).status).toBe(200);

      await (await callerIn(team.owner, team.id)).workspaces.removeMember({ userId: team.member.id });
      expect((await rest.request("GET", "/balance", { key: secret })).status).toBe(401);
    } finally {
      await rest.close();
    }
  });
});
