import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";

import { appRouter } from "~/server/trpc/root";
import { appCodes } from "./app-codes";
import { appCodeOf } from "../chaos/history";
import { callerFor, createUser, db, type TestUser } from "../helpers";

/**
 * Every procedure of the router, called with hostile input by an anonymous
 * visitor, a user and an admin: it may succeed (a read, or an input that
 * happens to be valid for a read) or fail with a typed, expected code —
 * never INTERNAL (a 500) — and a refused call writes nothing. The procedure
 * list is read from the router, so a new procedure is fuzzed without
 * touching this file.
 */

const runsPerProcedure = Number(process.env.FUZZ_RUNS ?? 15);
const fuzzSeed = Number(process.env.FUZZ_SEED ?? 20_251_125);

type Procedure = (input: unknown) => Promise<unknown>;

const procedurePaths = Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures).sort();

function procedureOf(caller: unknown, path: string): Procedure {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  return target as Procedure;
}

const validCreate = { idempotencyKey: "0b7c4a0e-2f3a-4c1d-9e8f-1a2b3c4d5e6f", modelId: "storyteller-v1", prompt: "a fox", outputs: 2 };

/** Inputs of every shape: anything at all, and a valid create with one field broken. */
const hostileInput = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }),
  fc.record({
    field: fc.constantFrom("idempotencyKey", "modelId", "prompt", "outputs", "id", "userId", "amount", "cursor", "limit"),
    value: fc.oneof(
      fc.string({ maxLength: 3000 }), fc.integer(), fc.double(), fc.constant(null), fc.constant(""),
      fc.constant(-1), fc.constant(1e12), fc.constant("   "), fc.constant("'; DROP TABLE job; --"),
      fc.constant("not-a-uuid"), fc.constant("00000000-0000-0000-0000-000000000000"), fc.uuid({ version: [1, 3, 5] }),
    ),
  }).map(({ field, value }) => ({ ...validCreate, [field]: value, userId: value, id: value, amount: value })),
);

async function writtenState() {
  const [users, balance, ledger, jobs, outputs, events, audits, checkouts] = await Promise.all([
    db.user.count(), db.workspace.aggregate({ _sum: { balance: true } }), db.ledgerEntry.count(), db.job.count(),
    db.jobOutput.count(), db.jobEvent.count(), db.adminAudit.count(), db.checkout.count(),
  ]);
  return { users, balance: balance._sum.balance, ledger, jobs, outputs, events, audits, checkouts };
}

describe("fuzzing every procedure: typed errors only, nothing written", () => {
  let actors: { name: string; user: TestUser | null }[] = [];

  beforeAll(async () => {
    actors = [
      { name: "anonymous", user: null },
      { name: "user", user: await createUser({ balance: 50 }) },
      { name: "admin", user: await createUser({ balance: 50, role: "ADMIN" }) },
    ];
  });

  it("knows the procedures it fuzzes", () => {
    expect(procedurePaths).toContain("jobs.create");
    expect(procedurePaths).toContain("admin.adjustCredits");
  });

  it.each(procedurePaths)("%s", async (path) => {
    for (const actor of actors) {
      const call = procedureOf(callerFor(actor.user), path);
      await fc.assert(
        fc.asyncProperty(hostileInput, async (input) => {
          const label = `${path} as ${actor.name} with ${fc.stringify(input).slice(0, 200)}`;
          const before = await writtenState();
          try {
            await call(input);
            return; // an input that happens to be valid may do what it asks
          } catch (error) {
            const code = appCodeOf(error);
            expect(appCodes, label).toContain(code);
            expect(code, `${label}: ${String(error)}`).not.toBe("INTERNAL");
          }
          expect(await writtenState(), `a refused call wrote: ${label}`).toEqual(before);
        }),
        { numRuns: runsPerProcedure, seed: fuzzSeed },
      );
    }
  });
});
