import { describe, it } from "vitest";

import { runChaosScenario } from "./scenario";

const durationS = Number(process.env.CHAOS_DURATION_S ?? 600);

// Excluded from the default run (vitest.config.ts); `npm run test:chaos`
// runs it through tests/chaos/vitest.long.config.ts. CHAOS_SEED replays.
describe("chaos, long form", () => {
  it(`loses, doubles and invents nothing over ${durationS} s`, async () => {
    await runChaosScenario({ durationS, users: 16, workers: 3, jobTimeoutMs: 15_000, databaseCrashes: 3 });
  }, (durationS + 180) * 1000);
});
