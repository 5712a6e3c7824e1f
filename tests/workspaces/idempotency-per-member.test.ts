import { randomUUID } from "node:crypto";

import { afterAll, describe, expect, it } from "vitest";

import { createApiKey } from "~/server/api-keys/keys";

import { db, jobRequest } from "../helpers";
import { allScopes, restJobBody, serveRest } from "../fixtures/rest";
import { callerIn, grantCredits, makeTeam } from "../fixtures/workspaces";

// SPEC §3.6 keys idempotency by (user, key). In a team two members are two
// users: the same key from each is two intents, two jobs, two charges, and
// neither member's key ever answers with the other's job (a MEMBER sees
// only their own jobs, SPEC §9). A member's own repeat still replays.

const rest = await serveRest();
afterAll(() => rest.close());

describe("an idempotency key is one member's", () => {
  it("the same key and request from two members: two jobs, each replayed only to its member", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    const request = jobRequest({ outputs: 1 });
    const member = await callerIn(team.member, team.id);
    const admin = await callerIn(team.admin, team.id);
    const first = await member.jobs.create(request);
    const second = await admin.jobs.create(request);
    expect([first.replayed, second.replayed]).toEqual([false, false]);
    expect(second.job.id).not.toBe(first.job.id);
    expect((await member.jobs.create(request)).job.id).toBe(first.job.id);
    expect((await admin.jobs.create(request)).job.id).toBe(second.job.id);
    expect((await member.jobs.byIdempotencyKey({ idempotencyKey: request.idempotencyKey }))?.id).toBe(first.job.id);
    expect((await admin.jobs.byIdempotencyKey({ idempotencyKey: request.idempotencyKey }))?.id).toBe(second.job.id);
    expect(await db.ledgerEntry.count({ where: { workspaceId: team.id, kind: "CHARGE" } })).toBe(2);
  });

  it("over REST: two members' API keys with one Idempotency-Key create two jobs; each key's retry replays its own", async () => {
    const team = await makeTeam();
    await grantCredits(team.id, 100);
    const memberKey = (await createApiKey(db, team.id, { name: "member", scopes: allScopes }, team.member.id)).secret;
    const adminKey = (await createApiKey(db, team.id, { name: "admin", scopes: allScopes }, team.admin.id)).secret;
    const idempotencyKey = randomUUID();
    const body = restJobBody({ outputs: 1 });
    const byMember = await rest.request("POST", "/jobs", { key: memberKey, idempotencyKey, body });
    const byAdmin = await rest.request("POST", "/jobs", { key: adminKey, idempotencyKey, body });
    expect([byMember.status, byAdmin.status]).toEqual([201, 201]);
    expect(byAdmin.json.id).not.toBe(byMember.json.id);
    const retried = await rest.request("POST", "/jobs", { key: memberKey, idempotencyKey, body });
    expect([retried.status, retried.headers.get("idempotent-replayed"), retried.text]).toEqual([201, "true", byMember.text]);
    // Another body under the member's own key is still a reused key.
    const reused = await rest.request("POST", "/jobs", { key: memberKey, idempotencyKey, body: restJobBody({ outputs: 2 }) });
    expect(reused.status).toBe(422);
    expect(await db.job.count({ where: { workspaceId: team.id } })).toBe(2);
  });
});
