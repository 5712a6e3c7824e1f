import { describe, expect, it } from "vitest";

import { accountState, createUser, db, expectConserved } from "../helpers";
import { refusedBy } from "../fixtures/errors";
import { createTestJob } from "../fixtures/jobs";

// SPEC §3.10 The ledger is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).

describe("§3.10 the ledger is append-only", () => {
  it("UPDATE, DELETE and TRUNCATE of ledger_entry are refused, through SQL and through Prisma", async () => {
    const user = await createUser({ balance: 20 });
    await createTestJob(user.id, { outputs: 2 });
    const before = await accountState(user.id);
    const charge = before.entries.find((e) => e.kind === "CHARGE")!;

    const attempts = [
      db.$executeRaw`UPDATE ledger_entry SET amount = -1, balance_after = balance_before - 1 WHERE id = ${charge.id}`,
      db.$executeRaw`UPDATE ledger_entry SET reason = 'rewritten history' WHERE workspace_id = ${user.id}`,
      db.$executeRaw`DELETE FROM ledger_entry WHERE id = ${charge.id}`,
      db.$executeRawUnsafe(`TRUNCATE ledger_entry CASCADE`),
      db.ledgerEntry.update({ where: { id: charge.id }, data: { reason: "edited" } }),
      db.ledgerEntry.deleteMany({ where: { workspaceId: user.id } }),
    ];
    for (const attempt of attempts) {
      const refusal = await refusedBy(attempt);
      expect(refusal.state).toBe("42501");
      expect(refusal.message).toMatch(/ledger_entry is append-only: (UPDATE|DELETE|TRUNCATE) refused/);
    }
    const after = await accountState(user.id);
    expect(after.entries).toEqual(before.entries);
    await expectConserved(user.id, expect);
  });
});
