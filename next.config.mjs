// Importing the environment here makes a bad configuration fail `next build`
// and `next start` at once, with the list of what is wrong.
import { env } from "./src/env.js";
import { staticSecurityHeaders } from "./src/server/http/static-headers.js";

/** @type {import("next").NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  // No gzip in the Node process: it costs every API response CPU that the
  // money path needs, and compression belongs to the proxy or CDN in front
  // (Vercel compresses at its edge; see docs/operations.md for nginx).
  compress: false,
  serverExternalPackages: ["graphile-worker", "pino", "pg", "better-auth", "prom-client"],
  // Bundled, not loaded from node_modules at run time: the bundler then
  // resolves the marker per layer (empty on the server, a build error in a
  // client bundle), the pages API routes included.
  transpilePackages: ["server-only"],
  // The build type-checks the app only; `npm run typecheck` covers tests,
  // scripts and benchmarks too.
  typescript: { ignoreBuildErrors: false, tsconfigPath: "tsconfig.app.json" },
  // forbidden() answers a real 403 (admin pages, for a non-admin).
  experimental: { authInterrupts: true },
  // Security headers on every response, API included; the per-page
  // Content-Security-Policy with its nonce comes from src/proxy.ts.
  async headers() {
    const headers = staticSecurityHeaders({ production: env.NODE_ENV === "production", appUrl: env.APP_URL });
    return [{ source: "/:path*", headers }];
  },
};

export default config;
