// Importing the environment here makes a bad configuration fail `next build`
// and `next start` at once, with the list of what is wrong.
import "./src/env.js";

/** @type {import("next").NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  serverExternalPackages: ["graphile-worker", "pino", "pg", "better-auth", "prom-client"],
  // The build type-checks the app only; `npm run typecheck` covers tests,
  // scripts and benchmarks too.
  typescript: { ignoreBuildErrors: false, tsconfigPath: "tsconfig.app.json" },
};

export default config;
