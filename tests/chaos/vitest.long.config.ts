import path from "node:path";

import { defineConfig } from "vitest/config";

import base from "../../vitest.config";

// The long chaos runs (`npm run test:chaos`): the default config excludes
// them so that `npm test` stays short. Built by hand, not with mergeConfig,
// which would concatenate the exclude lists. Each file loads both cores of a
// small machine, so they take turns.
export default defineConfig({
  ...base,
  root: path.resolve(import.meta.dirname, "../.."),
  test: {
    ...base.test,
    include: ["tests/chaos/long.test.ts", "tests/chaos/http-restart.test.ts"],
    exclude: ["node_modules/**"],
    fileParallelism: false,
    testTimeout: 3_600_000,
  },
});
