import { randomUUID } from "node:crypto";

import { describe, expect, it } from "vitest";

import { createApiKey } from "~/server/api-keys/keys";
import { getSessionUser } from "~/server/auth/auth";
import { sessionCache } from "~/server/auth/session-cache";
import { createContextInner } from "~/server/trpc/procedures";
import { createCaller } from "~/server/trpc/root";
import type { WorkspaceRole } from "~/server/workspaces/active-workspace";

import { db, expectConserved, jobRequest, type TestUser } from "../helpers";
import { clientErrorOf, procedureError } from "../fixtures/errors";
import { allScopes, restJobBody, serveRest } from "../fixtures/rest";
import { signedUpUser } from "../fixtures/sessions";
import { addMember, callerIn, grantCredits, makeSession, makeTeam, makeUser, type Team } from "../fixtures/workspaces";
import { sleep } from "../fixtures/concurrency";
import { waitUntil } from "../webhooks/support";

// Issue 24: an OWNER deletes a team (SPEC §9: "billing, members, delete").
// The books stay — the wallet's row, ledger, grants and jobs, its balance
// still the sum of its ledger — and everything that acts in it goes, in one
// transaction under the wallet's lock: members, keys, endpoints, cards,
// auto top-up, pending invitations. Afterwards nothing reaches the team.

/**
 * A caller whose context names the team as it was when its session was
 * read: what a request in flight during the deletion (or a process whose
 * cached session has not yet heard the NOTIFY) acts with.
 */
function callerAsSessionReadBefore(user: TestUser, workspaceId: string, role: WorkspaceRole) {
  return createCaller(createContextInner({ user: { ...user, workspace: { id: workspaceId, role, kind: "TEAM" } } }));
}

/** A team named `name` with credits, a key, an endpoint and its event, a card, auto top-up on and a pending invitation. */
async function teamWithEverything(name = "Walker Studio") {
  const team = await makeTeam(name);
  await grantCredits(team.id, 500);
  const { key, secret } = await createApiKey(db, team.id, { name: "ci", scopes: allScopes }, team.admin.id);
  const endpoint = await db.webhookEndpoint.create({ data: { workspaceId: team.id, url: "https://hooks.example.test/x", events: ["job.completed"], secret: "whsec_x" } });
  await db.webhookEvent.create({ data: { id: `evt_${randomUUID()}`, workspaceId: team.id, type: "job.completed", data: {} } });
  const card = await db.paymentMethod.create({ data: { workspaceId: team.id, provider: "sandbox", brand: "visa", last4: "4242", expMonth: 12, expYear: 2040, token: "tok_x" } });
  await db.autoTopup.create({ data: { workspaceId: team.id, enabled: true, thresholdCredits: 10, packId: "starter", paymentMethodId: card.id } });
  const { invitation } = await (await callerIn(team.owner, team.id)).workspaces.invite({ email: `invitee-${randomUUID()}@example.test`, role: "MEMBER" });
  return { team, keyId: key.id, secret, endpointId: endpoint.id, cardId: card.id, invitationId: invitation.id };
}

async function teamRow(id: string) {
  return db.workspace.findUniqueOrThrow({ where: { id }, select: { deletedAt: true, balance: true, name: true } });
}

describe("workspaces.deleteTeam", () => {
  it("an OWNER deletes the team: the books stay, everything that acts in it goes, audited", async () => {
    const { team, keyId, endpointId, cardId, invitationId } = await teamWithEverything();
    const owner = await callerIn(team.owner, team.id);
    const before = await teamRow(team.id);

    const deleted = await owner.workspaces.deleteTeam({ name: "  Walker Studio " });
    expect(deleted).toMatchObject({ name: "Walker Studio", balance: 500 });

    const after = await teamRow(team.id);
    expect(after.deletedAt).toEqual(deleted.deletedAt);
    expect(after.balance).toBe(before.balance);
    await expectConserved(team.id, expect);
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(0);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).revokedAt).toEqual(deleted.deletedAt);
    expect(await db.webhookEndpoint.count({ where: { id: endpointId } })).toBe(0);
    expect(await db.webhookEvent.count({ where: { workspaceId: team.id } })).toBe(0);
    expect((await db.paymentMethod.findUniqueOrThrow({ where: { id: cardId } })).removedAt).toEqual(deleted.deletedAt);
    expect((await db.autoTopup.findUniqueOrThrow({ where: { workspaceId: team.id } })).enabled).toBe(false);
    expect((await db.workspaceInvitation.findUniqueOrThrow({ where: { id: invitationId } })).revokedAt).toEqual(deleted.deletedAt);

    const audit = await db.workspaceChange.findFirstOrThrow({ where: { workspaceId: team.id, action: "TEAM_DELETED" } });
    expect(audit.actorUserId).toBe(team.owner.id);
    expect(audit.before).toMatchObject({ name: "Walker Studio", balance: 500 });
    expect((audit.before as { members: { userId: string }[] }).members.map((m) => m.userId).sort()).toEqual(
      [team.owner.id, team.admin.id, team.member.id].sort(),
    );
  });

  it("ADMIN and MEMBER are FORBIDDEN; a wrong name is VALIDATION_ERROR; nothing changes", async () => {
    const team = await makeTeam("Walker Studio");
    for (const user of [team.admin, team.member]) {
      expect((await procedureError((await callerIn(user, team.id)).workspaces.deleteTeam({ name: "Walker Studio" }))).appCode).toBe("FORBIDDEN");
    }
    const owner = await callerIn(team.owner, team.id);
    for (const name of ["walker studio", "Walker", "Team B"]) {
      expect(await procedureError(owner.workspaces.deleteTeam({ name }))).toMatchObject({
        appCode: "VALIDATION_ERROR", fieldErrors: { name: ["Type the team's name, Walker Studio, exactly to confirm."] },
      });
    }
    expect((await procedureError(owner.workspaces.deleteTeam({ name: " " }))).appCode).toBe("VALIDATION_ERROR");
    expect((await teamRow(team.id)).deletedAt).toBeNull();
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(3);
  });

  it("an owner demoted since their session was read is FORBIDDEN (the role is read again under the lock)", async () => {
    const team = await makeTeam("Walker Studio");
    await addMember(team.id, (await makeUser()).id, "OWNER");
    const stale = callerAsSessionReadBefore(team.owner, team.id, "OWNER");
    await db.workspaceMember.update({ where: { workspaceId_userId: { workspaceId: team.id, userId: team.owner.id } }, data: { role: "ADMIN" } });
    expect((await procedureError(stale.workspaces.deleteTeam({ name: "Walker Studio" }))).appCode).toBe("FORBIDDEN");
    expect((await teamRow(team.id)).deletedAt).toBeNull();
  });

  it("a personal account cannot be deleted this way (VALIDATION_ERROR)", async () => {
    const user = await makeUser();
    const error = await procedureError((await callerIn(user, null)).workspaces.deleteTeam({ name: "Personal" }));
    expect(error.appCode).toBe("VALIDATION_ERROR");
    expect((await db.workspace.findUniqueOrThrow({ where: { id: user.id } })).deletedAt).toBeNull();
  });

  it("refuses while a job is active, and changes nothing", async () => {
    const { team, keyId } = await teamWithEverything();
    const member = await callerIn(team.member, team.id);
    const { job } = await member.jobs.create(jobRequest({ outputs: 1, prompt: "Still running #hang" }));
    const owner = await callerIn(team.owner, team.id);
    expect(await procedureError(owner.workspaces.deleteTeam({ name: "Walker Studio" }))).toMatchObject({
      appCode: "VALIDATION_ERROR", fieldErrors: { _: ["Cancel the team's running job or wait for it to finish first."] },
    });
    expect((await teamRow(team.id)).deletedAt).toBeNull();
    expect(await db.workspaceMember.count({ where: { workspaceId: team.id } })).toBe(3);
    expect((await db.apiKey.findUniqueOrThrow({ where: { id: keyId } })).revokedAt).toBeNull();
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "TEAM_DELETED" } })).toBe(0);

    await member.jobs.cancel({ id: job.id });
    await owner.workspaces.deleteTeam({ name: "Walker Studio" });
    expect((await teamRow(team.id)).deletedAt).not.toBeNull();
    await expectConserved(team.id, expect);
  });

  it("two deletions at once: one deletes, the other is NOT_FOUND", async () => {
    const team = await makeTeam("Walker Studio");
    await addMember(team.id, (await makeUser()).id, "OWNER");
    const [a, b] = [callerAsSessionReadBefore(team.owner, team.id, "OWNER"), callerAsSessionReadBefore(team.owner, team.id, "OWNER")];
    const results = await Promise.allSettled([a.workspaces.deleteTeam({ name: "Walker Studio" }), b.workspaces.deleteTeam({ name: "Walker Studio" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(clientErrorOf(rejected.reason).data.appCode).toBe("NOT_FOUND");
    expect(await db.workspaceChange.count({ where: { workspaceId: team.id, action: "TEAM_DELETED" } })).toBe(1);
  });
});

describe("after a team's deletion nothing reaches it", () => {
  it("gone from listMine; switchTo NOT_FOUND; a stored active workspace falls back to personal; its own procedures NOT_FOUND", async () => {
    const team = await makeTeam("Walker Studio");
    await grantCredits(team.id, 100);
    const sessionId = await makeSession(team.member);
    await (await callerIn(team.member, null, sessionId)).workspaces.switchTo({ workspaceId: team.id });
    await (await callerIn(team.owner, team.id)).workspaces.deleteTeam({ name: "Walker Studio" });

    // The trigger workspace_member_changed cleared the member's session.
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).activeWorkspaceId).toBeNull();
    const member = await callerIn(team.member, team.id, sessionId);
    expect((await member.workspaces.active()).id).toBe(team.member.id);
    expect((await member.workspaces.listMine()).map((w) => w.id)).toEqual([team.member.id]);
    expect((await procedureError(member.workspaces.switchTo({ workspaceId: team.id }))).appCode).toBe("NOT_FOUND");
    expect((await db.session.findUniqueOrThrow({ where: { id: sessionId } })).activeWorkspaceId).toBeNull();

    // Even a context that still names the team (a session read before the deletion) finds nothing to act on.
    const stale = callerAsSessionReadBefore(team.owner, team.id, "OWNER");
    expect((await procedureError(stale.workspaces.activeView())).appCode).toBe("NOT_FOUND");
    expect((await procedureError(stale.workspaces.deleteTeam({ name: "Walker Studio" }))).appCode).toBe("NOT_FOUND");
    // cw_create_job reads the workspace row under its lock: the team is gone (NOT_FOUND), whatever the session said.
    expect((await procedureError(stale.jobs.create(jobRequest()))).appCode).toBe("NOT_FOUND");
    expect(await db.job.count({ where: { workspaceId: team.id } })).toBe(0);
  });

  it("a cached session acting in the team falls back to personal on the next request (the NOTIFY, and this process's own forget)", async () => {
    await sessionCache.ready();
    const owner = await makeUser();
    const { user, cookie } = await signedUpUser({ email: `del-${randomUUID()}@example.test`, password: "a-long-password", name: "Del" });
    const { createTeam } = await import("~/server/workspaces/teams");
    const team = await createTeam(db, owner.id, "Walker Studio");
    await addMember(team.id, user.id, "ADMIN");
    const headers = new Headers({ cookie });
    const first = await getSessionUser(headers);
    await (await callerIn(user, null, first!.sessionId)).workspaces.switchTo({ workspaceId: team.id });
    expect((await getSessionUser(headers))?.workspace.id).toBe(team.id);
    expect((await getSessionUser(headers))?.workspace.id).toBe(team.id); // now cached

    await (await callerIn(owner, team.id)).workspaces.deleteTeam({ name: "Walker Studio" });
    // deleteTeam forgets its members' sessions in this process itself: no wait for the NOTIFY.
    expect((await getSessionUser(headers))?.workspace).toEqual({ id: user.id, role: "OWNER", kind: "PERSONAL" });
  });

  it("another process's cached session hears it through the NOTIFY", async () => {
    await sessionCache.ready();
    const owner = await makeUser();
    const { user, cookie } = await signedUpUser({ email: `del-${randomUUID()}@example.test`, password: "a-long-password", name: "Del" });
    const { createTeam } = await import("~/server/workspaces/teams");
    const team = await createTeam(db, owner.id, "Walker Studio");
    await addMember(team.id, user.id, "MEMBER");
    const headers = new Headers({ cookie });
    const first = await getSessionUser(headers);
    await (await callerIn(user, null, first!.sessionId)).workspaces.switchTo({ workspaceId: team.id });
    expect((await getSessionUser(headers))?.workspace.id).toBe(team.id);
    // Deleted by another process: nothing here calls sessionCache.forget, only the trigger's NOTIFY can tell this one.
    await db.$transaction(async (tx) => {
      await tx.workspace.update({ where: { id: team.id }, data: { deletedAt: new Date() } });
      await tx.workspaceMember.deleteMany({ where: { workspaceId: team.id } });
    });
    await waitUntil("the fallback", 5_000, async () => (await getSessionUser(headers))?.workspace.id === user.id);
  });

  it("REST: the team's key is 401 (revoked, and the team gone)", async () => {
    const { team, secret } = await teamWithEverything();
    const rest = await serveRest();
    try {
      expect((await rest.request("GET", "/balance", { key: secret })).status).toBe(200);
      await (await callerIn(team.owner, team.id)).workspaces.deleteTeam({ name: "Walker Studio" });
      expect((await rest.request("GET", "/balance", { key: secret })).status).toBe(401);
      const create = await rest.request("POST", "/jobs", { key: secret, idempotencyKey: randomUUID(), body: restJobBody() });
      expect(create.status).toBe(401);
    } finally {
      await rest.close();
    }
    expect(await db.job.count({ where: { workspaceId: team.id } })).toBe(0);
  });

  it("an invitation of a deleted team is NOT_FOUND, to preview and to accept; the database takes no member for it", async () => {
    const team = await makeTeam("Walker Studio");
    const invitee = await makeUser();
    const { readOutbox } = await import("~/server/mail/outbox");
    await (await callerIn(team.owner, team.id)).workspaces.invite({ email: invitee.email, role: "MEMBER" });
    const mail = (await readOutbox(process.env.MAIL_OUTBOX_DIR!, 200)).find((m) => m.to === invitee.email.toLowerCase())!;
    const token = mail.links.find((l) => l.includes("/invitations/"))!.split("/invitations/")[1]!;
    const caller = await callerIn(invitee, null);
    expect((await caller.workspaces.invitation({ token })).status).toBe("PENDING");

    await (await callerIn(team.owner, team.id)).workspaces.deleteTeam({ name: "Walker Studio" });
    expect((await procedureError(caller.workspaces.invitation({ token }))).appCode).toBe("NOT_FOUND");
    expect((await procedureError(caller.workspaces.acceptInvitation({ token }))).appCode).toBe("NOT_FOUND");
    await expect(addMember(team.id, invitee.id, "MEMBER")).rejects.toThrow(/a deleted team has no members/);
  });
});

describe("what was queued for a team before its deletion", () => {
  it("a budget threshold mail that runs after it finds no owner (NO_OWNER), never an assertion", async () => {
    const { money } = await import("~/server/money");
    const { sendBudgetThresholdMail } = await import("~/server/budgets/threshold-mail");
    const team = await makeTeam("Walker Studio");
    const budget = await money.setBudget(db, {
      workspaceId: team.id, actorUserId: team.owner.id, scope: "ACCOUNT", apiKeyId: null, period: "TOTAL", limitCredits: 100, timeZone: "UTC",
    });
    await (await callerIn(team.owner, team.id)).workspaces.deleteTeam({ name: "Walker Studio" });
    const periodStart = new Date(0).toISOString();
    expect(await sendBudgetThresholdMail(db, { budgetId: budget.id.toString(), periodStart, threshold: 80 })).toBe("NO_OWNER");
  });
});

describe("a deletion racing 20 job creates on the team's key and sessions", () => {
  type Outcome = { ok: boolean; code: string };

  async function raceRound(team: Team & { name: string }, secret: string, rest: Awaited<ReturnType<typeof serveRest>>, deletionDelayMs: number) {
    // Sessions read before the deletion: the harshest case (the cache has not heard of it).
    const sessions = [team.owner, team.admin, team.member].map((user, i) => callerAsSessionReadBefore(user, team.id, (["OWNER", "ADMIN", "MEMBER"] as const)[i]!));
    const creates: Promise<Outcome>[] = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? sessions[i % 3]!.jobs.create(jobRequest({ outputs: 1 })).then(
            () => ({ ok: true, code: "OK" }),
            (error: unknown) => ({ ok: false, code: clientErrorOf(error).data.appCode }),
          )
        : rest.request("POST", "/jobs", { key: secret, idempotencyKey: randomUUID(), body: restJobBody({ outputs: 1 }) }).then((r) => ({
            ok: r.status === 201, code: String(r.status),
          })),
    );
    const deletion = sleep(deletionDelayMs).then(() =>
      callerAsSessionReadBefore(team.owner, team.id, "OWNER").workspaces.deleteTeam({ name: team.name }).then(
        () => ({ ok: true, code: "OK" }),
        (error: unknown) => ({ ok: false, code: clientErrorOf(error).data.appCode }),
      ),
    );
    return { creates: await Promise.all(creates), deletion: await deletion };
  }

  it("each create happened before (and the deletion is refused) or fails; never a job after deleted_at; the books hold", async () => {
    const rest = await serveRest();
    const outcomes: string[] = [];
    try {
      for (const deletionDelayMs of [0, 0, 2, 5, 15]) {
        const name = `Race ${randomUUID().slice(0, 6)}`;
        const team = { ...(await makeTeam(name)), name };
        await grantCredits(team.id, 10_000);
        const { secret } = await createApiKey(db, team.id, { name: "race", scopes: allScopes }, team.admin.id);
        const { creates, deletion } = await raceRound(team, secret, rest, deletionDelayMs);

        const row = await teamRow(team.id);
        const jobs = await db.job.findMany({ where: { workspaceId: team.id }, select: { createdAt: true } });
        // Every refusal is an answer, never a 500: the team gone (404, 401 for its revoked key, FORBIDDEN for a
        // member no more), or the app's per-workspace limits (the tRPC path's are the environment's: 5 active).
        const refusals = ["NOT_FOUND", "404", "401", "FORBIDDEN", "403", "MAX_ACTIVE_JOBS", "RATE_LIMIT_EXCEEDED", "429"];
        for (const create of creates) expect(["OK", "201", ...refusals]).toContain(create.code);
        expect(jobs).toHaveLength(creates.filter((c) => c.ok).length);
        if (deletion.ok) {
          expect(row.deletedAt).not.toBeNull();
          // A job that had been created first would have refused the deletion: none exists, before or after.
          expect(jobs).toHaveLength(0);
        } else {
          expect(deletion.code).toBe("VALIDATION_ERROR");
          expect(row.deletedAt).toBeNull();
          expect(jobs.length).toBeGreaterThan(0);
        }
        for (const job of jobs) if (row.deletedAt) expect(job.createdAt.getTime()).toBeLessThanOrEqual(row.deletedAt.getTime());
        await expectConserved(team.id, expect);
        outcomes.push(`${deletionDelayMs} ms: deletion ${deletion.code}, ${jobs.length} jobs, ${creates.map((c) => c.code).join(" ")}`);
      }
    } finally {
      await rest.close();
    }
    expect(outcomes).toHaveLength(5);
    if (process.env.RACE_LOG) console.info(outcomes.join("\n"));
  });
});
