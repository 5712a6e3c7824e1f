import { describe, expect, it } from "vitest";

import { accountState, createUser, db } from "../helpers";
import { writeRawEntry } from "../fixtures/raw-ledger";

// SPEC §3.1 from the user row's side: the deferred constraint trigger
// `workspace_balance_matches_ledger` refuses, at COMMIT, a balance that the
// ledger does not end at — so even a raw UPDATE cannot invent credits.
describe("§3.1 conservation: a balance change needs its ledger entry", () => {
  it("refuses a raw balance UPDATE without a ledger entry, and keeps the balance", async () => {
    const user = await createUser({ balance: 30 });
    await expect(db.$executeRaw`UPDATE workspace SET balance = balance + 1000 WHERE id = ${user.id}`).rejects.toThrow(
      /ledger ends at 30/,
    );
    const state = await accountState(user.id);
    expect(state.balance).toBe(30);
    expect(state.sum).toBe(30);
  });

  it("accepts the balance update when the matching entry and its grant are written in the same transaction", async () => {
    const user = await createUser({ balance: 30 });
    await writeRawEntry(
      { userId: user.id, kind: "GRANT", amount: 10, balanceBefore: 30, balanceAfter: 40, reason: "test" },
      { setBalance: 40, openGrant: true },
    );
    expect((await accountState(user.id)).balance).toBe(40);
  });

  it("§3.12: refuses a balance the ledger explains but no grant holds", async () => {
    const user = await createUser({ balance: 30 });
    await expect(
      writeRawEntry(
        { userId: user.id, kind: "GRANT", amount: 10, balanceBefore: 30, balanceAfter: 40, reason: "test" },
        { setBalance: 40 },
      ),
    ).rejects.toThrow(/is 40 but its grants hold 30/);
    expect((await accountState(user.id)).balance).toBe(30);
  });
});
