import { describe, it } from "vitest";

import { runAlone } from "../fixtures/run-alone";

import { runChaosScenario } from "./scenario";

// The short, seeded form that runs with every `npm test`; `npm run
// test:chaos` runs the same scenario for ten minutes (tests/chaos/long.test.ts).
runAlone();

describe("chaos: credits survive crashes, kills, terminated connections, a database crash and racing cleanups", () => {
  it("loses, doubles and invents nothing (short run, one database SIGKILL)", async () => {
    await runChaosScenario({ durationS: 20, users: 8, workers: 2, jobTimeoutMs: 8_000, databaseCrashes: 1 });
  }, 120_000);
});
