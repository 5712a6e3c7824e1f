import { spawn } from "node:child_process";

import { describe, expect, it } from "vitest";

import { createUser, db, expectConserved } from "../helpers";

// SPEC §2: serialization failures are retried inside the server and never
// reach a client. One account's money transactions are ordered across
// processes (src/server/money/shapes.ts: each takes its account's lock
// before its snapshot), so three processes moving one account's credits at
// once — admin grants, purchases, creates — meet no serialization failure at
// all: nothing is retried, nothing reaches a client. Without the order,
// they retry (and a busy account retried past its budget: issue 21).

type Report = { ok: number; conflictsAtClient: number; otherErrors: string[]; conflictRetries: number };

function moneyProcess(userId: string, adminId: string, operations: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "tests/fixtures/money-process.ts", userId, adminId, String(operations)], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(output.trim().split("\n").at(-1)!) as Report) : reject(new Error(`money process exited ${code}: ${output}`))));
  });
}

describe("one account's money across processes", () => {
  it("32 grants, purchases and creates at once from each of three processes: every one applied, none retried, no conflict at a client", async () => {
    const user = await createUser({ balance: 10_000 });
    const admin = await createUser({ role: "ADMIN" });
    const operations = 32;
    const reports = await Promise.all([0, 1, 2].map(() => moneyProcess(user.id, admin.id, operations)));
    expect(reports.flatMap((report) => report.otherErrors)).toEqual([]);
    expect(reports.map((report) => report.conflictsAtClient)).toEqual([0, 0, 0]);
    expect(reports.map((report) => report.ok)).toEqual([operations, operations, operations]);
    expect(reports.map((report) => report.conflictRetries)).toEqual([0, 0, 0]);
    // What each kind did, all of it: 11 grants of 5, 11 purchases of 100, 10 creates of 2 per process.
    const byKind = await db.ledgerEntry.groupBy({ by: ["kind"], where: { workspaceId: user.id }, _count: true });
    expect(Object.fromEntries(byKind.map((row) => [row.kind, row._count]))).toMatchObject({ GRANT: 34, PURCHASE: 33, CHARGE: 30 });
    await expectConserved(user.id, expect);
  }, 120_000);
});
