import { randomUUID } from "node:crypto";

import { createCaller } from "~/server/trpc/root";
import { createContextInner } from "~/server/trpc/procedures";
import type { JobsConfig } from "~/server/config";
import { db } from "~/server/db";
import { createSandboxProvider } from "~/server/providers";
import type { RunDeps } from "~/server/jobs/run";
import { money } from "~/server/money";
import type { Acting } from "~/server/workspaces/active-workspace";

export { db };

/** Generous limits, so tests that are not about limits are not limited. */
export const testConfig: JobsConfig = {
  maxActiveJobs: 1_000,
  rateLimitPerMinute: 1_000,
  maxAttempts: 3,
  leaseMs: 2_000,
  jobTimeoutMs: 60_000,
  cleanupBatchMax: 500,
  cleanupPassMs: 5_000,
};

export type TestUser = { id: string; email: string; name: string; role: "USER" | "ADMIN" };

/** A user with `balance` credits granted through the ledger (so it reconciles). */
export async function createUser(overrides: { balance?: number; role?: "USER" | "ADMIN"; email?: string } = {}): Promise<TestUser> {
  const id = randomUUID();
  const user = await db.user.create({
    data: {
      id,
      email: overrides.email ?? `user-${id}@example.test`,
      name: `User ${id.slice(0, 8)}`,
      role: overrides.role ?? "USER",
    },
    select: { id: true, email: true, name: true, role: true },
  });
  if (overrides.balance) {
    await money.moveCredits(db, {
      workspaceId: id, amount: overrides.balance, kind: "GRANT",
      actor: { type: "SYSTEM", id: "test" }, reason: "Test credits", idempotencyKey: `test:${id}`,
    });
  }
  return user;
}

/** A tRPC caller acting as `user` (or anonymous), without HTTP. */
export function callerFor(user: TestUser | null) {
  return createCaller(createContextInner({ user }));
}

/** Worker dependencies with the sandbox provider. */
export function workerDeps(overrides: Partial<RunDeps> = {}): RunDeps {
  return {
    db,
    provider: createSandboxProvider({ latencyMs: 0, slowLatencyMs: 300 }),
    config: testConfig,
    workerId: `test-worker-${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

/** A job request with a fresh idempotency key. */
export function jobRequest(overrides: Partial<{ idempotencyKey: string; modelId: string; prompt: string; outputs: number }> = {}) {
  return { idempotencyKey: randomUUID(), modelId: "storyteller-v1", prompt: "A lighthouse keeper's cat", outputs: 2, ...overrides };
}

/** The ledger and balance of a user, for conservation assertions. */
export async function accountState(userId: string) {
  const wallet = await db.workspace.findUniqueOrThrow({ where: { id: userId }, select: { balance: true } });
  const entries = await db.ledgerEntry.findMany({ where: { workspaceId: userId }, orderBy: { id: "asc" } });
  return { balance: wallet.balance, entries, sum: entries.reduce((total, entry) => total + entry.amount, 0) };
}

/** Asserts SPEC §3.1 for one user: balance = sum, arithmetic and chain hold. */
export async function expectConserved(userId: string, expect: (v: unknown) => { toBe: (x: unknown) => void }) {
  const state = await accountState(userId);
  expect(state.balance).toBe(state.sum);
  let previous = 0;
  for (const entry of state.entries) {
    expect(entry.balanceBefore).toBe(previous);
    expect(entry.balanceAfter).toBe(entry.balanceBefore + entry.amount);
    previous = entry.balanceAfter;
  }
  expect(previous).toBe(state.balance);
}

/** A user acting in their personal workspace, whose id is theirs (decision 0012, step 1). */
export function actingAs(userId: string): Acting {
  return { workspaceId: userId, actorUserId: userId };
}
