import path from "node:path";

import { defineConfig } from "vitest/config";

import base from "../../vitest.config";

// The long chaos run (`npm run test:chaos`): the default config excludes
// tests/chaos/long.test.ts so that `npm test` stays short. Built by hand,
// not with mergeConfig, which would concatenate the exclude lists.
export default defineConfig({
  ...base,
  root: path.resolve(import.meta.dirname, "../.."),
  test: {
    ...base.test,
    include: ["tests/chaos/long.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 3_600_000,
  },
});
