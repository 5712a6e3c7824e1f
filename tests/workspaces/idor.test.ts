import { randomUUID } from "node:crypto";

import { beforeAll, describe, expect, it } from "vitest";

import { createApiKey } from "~/server/api-keys/keys";
import { createJob } from "~/server/jobs/create";
import { money } from "~/server/money";
import { openCheckout } from "~/server/payments/checkout";
import { appRouter } from "~/server/trpc/root";
import type { WorkspaceRole } from "~/server/workspaces/active-workspace";
import { inviteMember } from "~/server/workspaces/invitations";

import { db, jobRequest, testConfig } from "../helpers";
import { procedureError } from "../fixtures/errors";
import { allScopes, serveRest } from "../fixtures/rest";
import { callerIn, grantCredits, makeTeam, type Team } from "../fixtures/workspaces";

// SPEC §3.11 and §9 across workspaces (decision 0012, step 2): a member of
// team A, whatever their role, reaches nothing of team B through any
// workspace-scoped procedure or REST route: B's ids are NOT_FOUND (never
// confirmed), B's rows never appear in A's lists. And within a team, each
// procedure refuses the roles below its own (FORBIDDEN).
//
// The tables below name EVERY procedure of appRouter: a new procedure fails
// "every procedure is classified" until it is listed here, with its probe.

type Caller = Awaited<ReturnType<typeof callerIn>>;
type BRows = {
  team: Team; jobId: string; idempotencyKey: string; keyId: string; budgetId: string; endpointId: string; deliveryId: string;
  checkoutId: string; paymentMethodId: string; invitationId: string; ledgerEntryIds: string[]; grantIds: string[];
};
type Probe = (a: Caller, b: BRows) => Promise<void>;

/** The call must fail with one of `codes`. */
async function refused(call: Promise<unknown>, codes: string[] = ["NOT_FOUND"]): Promise<void> {
  expect(codes).toContain((await procedureError(call)).appCode);
}

/** The answer must not mention any of B's ids. */
async function showsNothingOf(call: Promise<unknown>, b: BRows, bigintIds: string[] = []): Promise<void> {
  const text = JSON.stringify(await call, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  for (const id of [b.team.id, b.jobId, b.keyId, b.endpointId, b.deliveryId, b.checkoutId, b.invitationId, b.team.member.id, b.team.admin.id]) {
    expect(text).not.toContain(id);
  }
  // Bigint ids are short and per table: as an id field of the table the answer lists.
  for (const id of bigintIds) expect(text).not.toContain(`"id":"${id}"`);
}

/** Procedures that act on the signed-in user, or on nothing, never on a workspace's rows: each with why. */
const notWorkspaceScoped: Record<string, string> = {
  "catalog.list": "public catalog",
  "checkout.packs": "public price list",
  "account.me": "the user",
  "account.profile": "the user",
  "account.delete": "the user (password)",
  "account.deletionPreview": "the user: their personal wallet's balance and the teams they are the last owner of (tests/account/delete-account.test.ts)",
  "account.emailChangeUndo": "token-authenticated",
  "account.undoEmailChange": "token-authenticated",
  "workspaces.listMine": "the user's memberships (tests/workspaces/teams.test.ts)",
  "workspaces.active": "the session's own workspace",
  "workspaces.activeView": "the session's own workspace, read by its id (tests/workspaces/team-view.test.ts)",
  "workspaces.invitation": "token + the addressee's email: NOT_FOUND otherwise (tests/workspaces/team-view.test.ts)",
  "workspaces.createTeam": "creates a new workspace",
  "workspaces.switchTo": "membership checked: NOT_FOUND for another team (teams.test.ts)",
  "workspaces.acceptInvitation": "token + verified email: NOT_FOUND otherwise (invitations.test.ts)",
};
const adminOnly = (path: string) => path.startsWith("admin.");

/** Every workspace-scoped procedure: the least role that may call it, and A's owner's probe against B. */
const workspaceScoped: Record<string, { least: WorkspaceRole; probe: Probe }> = {
  "credits.summary": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.credits.summary(), b) },
  "credits.wallet": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.credits.wallet(), b, b.grantIds) },
  "credits.ledger": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.credits.ledger({ limit: 50 }), b, b.ledgerEntryIds) },
  "account.totals": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.account.totals(), b) },
  "jobs.create": {
    least: "MEMBER",
    // B's idempotency key in A is a new job of A's, not B's job replayed.
    probe: async (a, b) => {
      const created = await a.jobs.create(jobRequest({ idempotencyKey: b.idempotencyKey }));
      expect(created.job.id).not.toBe(b.jobId);
    },
  },
  "jobs.get": { least: "MEMBER", probe: (a, b) => refused(a.jobs.get({ id: b.jobId })) },
  "jobs.byIdempotencyKey": {
    least: "MEMBER",
    // B's key finds nothing of B's in A (at most A's own job made with that key by the jobs.create probe).
    probe: async (a, b) => expect((await a.jobs.byIdempotencyKey({ idempotencyKey: b.idempotencyKey }))?.id).not.toBe(b.jobId),
  },
  "jobs.limits": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.jobs.limits(), b) },
  "jobs.list": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.jobs.list({ limit: 100 }), b) },
  "jobs.cancel": { least: "MEMBER", probe: (a, b) => refused(a.jobs.cancel({ id: b.jobId })) },
  "apiKeys.create": { least: "ADMIN", probe: async (a, b) => expect((await a.apiKeys.create({ name: "x", scopes: ["jobs:read"] })).key.id).not.toBe(b.keyId) },
  "apiKeys.list": { least: "ADMIN", probe: (a, b) => showsNothingOf(a.apiKeys.list(), b) },
  "apiKeys.revoke": { least: "ADMIN", probe: (a, b) => refused(a.apiKeys.revoke({ id: b.keyId })) },
  "budgets.list": { least: "ADMIN", probe: (a, b) => showsNothingOf(a.budgets.list(), b, [b.budgetId]) },
  "budgets.set": {
    least: "ADMIN",
    probe: async (a, b) => {
      await refused(a.budgets.set({ scope: "API_KEY", apiKeyId: b.keyId, period: "MONTH", limitCredits: 1, timeZone: "UTC" }));
      await refused(a.budgets.set({ scope: "MEMBER", memberUserId: b.team.member.id, period: "MONTH", limitCredits: 1, timeZone: "UTC" }));
    },
  },
  "budgets.remove": { least: "ADMIN", probe: (a, b) => refused(a.budgets.remove({ budgetId: b.budgetId })) },
  "webhooks.list": { least: "ADMIN", probe: (a, b) => showsNothingOf(a.webhooks.list(), b) },
  "webhooks.create": { least: "ADMIN", probe: (a) => refused(a.webhooks.create({ url: "http://127.0.0.1/x", events: ["job.completed"] }), ["VALIDATION_ERROR"]) },
  "webhooks.rotateSecret": { least: "ADMIN", probe: (a, b) => refused(a.webhooks.rotateSecret({ endpointId: b.endpointId })) },
  "webhooks.setEnabled": { least: "ADMIN", probe: (a, b) => refused(a.webhooks.setEnabled({ endpointId: b.endpointId, enabled: false })) },
  "webhooks.delete": { least: "ADMIN", probe: (a, b) => refused(a.webhooks.delete({ endpointId: b.endpointId })) },
  "webhooks.deliveries": { least: "ADMIN", probe: (a, b) => refused(a.webhooks.deliveries({ endpointId: b.endpointId })) },
  "webhooks.resend": { least: "ADMIN", probe: (a, b) => refused(a.webhooks.resend({ deliveryId: b.deliveryId })) },
  "webhooks.setLowBalanceThreshold": { least: "ADMIN", probe: (a, b) => showsNothingOf(a.webhooks.setLowBalanceThreshold({ threshold: 5 }), b) },
  "billing.autoTopup": { least: "OWNER", probe: (a, b) => showsNothingOf(a.billing.autoTopup(), b) },
  "billing.updateAutoTopup": {
    least: "OWNER",
    probe: (a, b) => refused(a.billing.updateAutoTopup({ enabled: true, thresholdCredits: 10, packId: "starter", paymentMethodId: b.paymentMethodId }), ["NOT_FOUND", "VALIDATION_ERROR"]),
  },
  "billing.saveCard": { least: "OWNER", probe: async () => {} },
  "billing.removeCard": { least: "OWNER", probe: (a, b) => refused(a.billing.removeCard({ id: b.paymentMethodId })) },
  "checkout.open": { least: "OWNER", probe: async (a, b) => expect((await a.checkout.open({ packId: "starter" })).id).not.toBe(b.checkoutId) },
  "checkout.get": { least: "OWNER", probe: (a, b) => refused(a.checkout.get({ id: b.checkoutId })) },
  "checkout.pay": { least: "OWNER", probe: (a, b) => refused(a.checkout.pay({ checkoutId: b.checkoutId, card: { cardNumber: "4242 4242 4242 4242", expiry: "12/40", cvc: "123" } })) },
  "checkout.confirm": { least: "OWNER", probe: (a, b) => refused(a.checkout.confirm({ checkoutId: b.checkoutId, provider: "sandbox", token: "x" }), ["NOT_FOUND", "VALIDATION_ERROR"]) },
  "checkout.receipt": { least: "OWNER", probe: (a, b) => refused(a.checkout.receipt({ id: b.checkoutId })) },
  "workspaces.rename": { least: "ADMIN", probe: async (a, b) => { await a.workspaces.rename({ name: "Renamed A" }); expect((await db.workspace.findUniqueOrThrow({ where: { id: b.team.id } })).name).toBe("Team B"); } },
  "workspaces.setStatementVisibility": { least: "OWNER", probe: async (a, b) => { await a.workspaces.setStatementVisibility({ membersSeeStatement: true }); expect((await db.workspace.findUniqueOrThrow({ where: { id: b.team.id } })).membersSeeStatement).toBe(false); } },
  "workspaces.members": { least: "MEMBER", probe: (a, b) => showsNothingOf(a.workspaces.members(), b) },
  "workspaces.changeRole": { least: "ADMIN", probe: (a, b) => refused(a.workspaces.changeRole({ userId: b.team.member.id, role: "ADMIN" })) },
  "workspaces.removeMember": { least: "ADMIN", probe: (a, b) => refused(a.workspaces.removeMember({ userId: b.team.member.id })) },
  "workspaces.leave": { least: "MEMBER", probe: async () => {} },
  // Only the active team can be named: B's name is a wrong confirmation of A, and B stays.
  "workspaces.deleteTeam": {
    least: "OWNER",
    probe: async (a, b) => {
      await refused(a.workspaces.deleteTeam({ name: "Team B" }), ["VALIDATION_ERROR"]);
      expect((await db.workspace.findUniqueOrThrow({ where: { id: b.team.id } })).deletedAt).toBeNull();
    },
  },
  "workspaces.invite": { least: "ADMIN", probe: async (a, b) => { await a.workspaces.invite({ email: "someone@example.test", role: "MEMBER" }); expect(await db.workspaceInvitation.count({ where: { workspaceId: b.team.id } })).toBe(1); } },
  "workspaces.invitations": { least: "ADMIN", probe: (a, b) => showsNothingOf(a.workspaces.invitations(), b) },
  "workspaces.revokeInvitation": { least: "ADMIN", probe: (a, b) => refused(a.workspaces.revokeInvitation({ invitationId: b.invitationId })) },
};

const procedures = Object.keys(appRouter._def.procedures);

/** Team B with one of everything a workspace owns. */
async function teamBWithEverything(): Promise<BRows> {
  const team = await makeTeam("Team B");
  await grantCredits(team.id, 500);
  const idempotencyKey = randomUUID();
  const { job } = await createJob(db, { workspaceId: team.id, actorUserId: team.member.id }, jobRequest({ idempotencyKey }), testConfig);
  const { key } = await createApiKey(db, team.id, { name: "b", scopes: allScopes }, team.admin.id);
  const budget = await money.setBudget(db, { workspaceId: team.id, actorUserId: team.owner.id, scope: "ACCOUNT", apiKeyId: null, period: "MONTH", limitCredits: 400, timeZone: "UTC" });
  const endpoint = await db.webhookEndpoint.create({ data: { workspaceId: team.id, url: "https://b.example.test/hook", events: ["job.completed"], secret: "whsec_b" } });
  const event = await db.webhookEvent.create({ data: { id: `evt_${randomUUID()}`, workspaceId: team.id, type: "job.completed", data: {} } });
  const delivery = await db.webhookDelivery.create({ data: { eventId: event.id, endpointId: endpoint.id } });
  const checkout = await openCheckout(db, { workspaceId: team.id, actorUserId: team.owner.id }, "starter");
  const card = await db.paymentMethod.create({ data: { workspaceId: team.id, provider: "sandbox", brand: "visa", last4: "4242", expMonth: 12, expYear: 2040, token: "tok_b" } });
  const { invitation } = await inviteMember(db, { workspace: { id: team.id, role: "OWNER", kind: "TEAM" }, actorUserId: team.owner.id }, { email: "b-invitee@example.test", role: "MEMBER" });
  const ledger = await db.ledgerEntry.findMany({ where: { workspaceId: team.id }, select: { id: true } });
  const grants = await db.creditGrant.findMany({ where: { workspaceId: team.id }, select: { id: true } });
  return {
    team, jobId: job.id, idempotencyKey, keyId: key.id, budgetId: budget.id.toString(), endpointId: endpoint.id, deliveryId: delivery.id,
    checkoutId: checkout.id, paymentMethodId: card.id, invitationId: invitation.id, ledgerEntryIds: ledger.map((e) => e.id.toString()),
    grantIds: grants.map((g) => g.id.toString()),
  };
}

describe("every procedure is classified", () => {
  it("names each procedure of appRouter as workspace-scoped (with a probe), not workspace-scoped (with why), or admin-only", () => {
    const unclassified = procedures.filter((path) => !(path in workspaceScoped) && !(path in notWorkspaceScoped) && !adminOnly(path));
    expect(unclassified).toEqual([]);
    const stale = [...Object.keys(workspaceScoped), ...Object.keys(notWorkspaceScoped)].filter((path) => !procedures.includes(path));
    expect(stale).toEqual([]);
  });
});

describe("a member of team A reaches nothing of team B", () => {
  let b: BRows;
  let teamA: Team;
  beforeAll(async () => {
    [b, teamA] = await Promise.all([teamBWithEverything(), makeTeam("Team A")]);
    await grantCredits(teamA.id, 500);
  });

  it.each(Object.entries(workspaceScoped))("%s", async (_path, { probe }) => {
    // A's owner: the strongest role in A, so a refusal is about B, not about A's role.
    await probe(await callerIn(teamA.owner, teamA.id), b);
  });

  it("and a stored active workspace of B's is not honoured for a member of A (the session falls back)", async () => {
    const caller = await callerIn(teamA.member, b.team.id);
    expect((await caller.workspaces.active()).id).toBe(teamA.member.id);
  });

  it("REST: a key of team A answers 404 for B's job, lists none of B's jobs, and cancels nothing of B's", async () => {
    const rest = await serveRest();
    try {
      const { secret } = await createApiKey(db, teamA.id, { name: "a", scopes: allScopes }, teamA.owner.id);
      expect((await rest.request("GET", `/jobs/${b.jobId}`, { key: secret })).status).toBe(404);
      expect((await rest.request("POST", `/jobs/${b.jobId}/cancel`, { key: secret })).status).toBe(404);
      expect((await rest.request("GET", "/jobs", { key: secret })).text).not.toContain(b.jobId);
      const ledger = await rest.request("GET", "/ledger", { key: secret });
      expect(ledger.status).toBe(200);
      for (const id of b.ledgerEntryIds) expect(ledger.text).not.toContain(`"${id}"`);
      expect((await rest.request("GET", "/balance", { key: secret })).status).toBe(200);
    } finally {
      await rest.close();
    }
  });
});

describe("within a team, each procedure refuses the roles below its own (FORBIDDEN)", () => {
  let team: Team;
  beforeAll(async () => {
    team = await makeTeam();
  });
  const below: Record<WorkspaceRole, ("member" | "admin")[]> = { OWNER: ["member", "admin"], ADMIN: ["member"], MEMBER: [] };
  const cases = Object.entries(workspaceScoped).flatMap(([path, { least }]) => below[least].map((role) => [path, role] as const));

  it.each(cases)("%s refuses a team %s", async (path, role) => {
    const caller = await callerIn(team[role], team.id);
    const [router, name] = path.split(".") as [string, string];
    const procedure = (caller as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>)[router]![name]!;
    // The role is checked before the input is read: any input gets FORBIDDEN.
    await refused(procedure({}), ["FORBIDDEN"]);
  });
});
