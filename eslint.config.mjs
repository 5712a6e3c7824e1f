// ESLint: Next.js's rules (core web vitals, React hooks) and typescript-eslint
// with type information, over the app, its tests, scripts and benchmarks.
// `npm run lint` runs it with no warning allowed; `npm test` runs lint first.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";
import tseslint from "typescript-eslint";

const typeChecked = tseslint.configs.recommendedTypeChecked.map((config) => ({
  ...config,
  files: ["**/*.{ts,tsx,mts}"],
}));

export default [
  {
    ignores: [
      "node_modules/**", ".next/**", ".data/**", "src/generated/**", "test-results/**", "playwright-report/**",
      "bench-results/**", "next-env.d.ts", "**/*.js", "**/*.mjs",
    ],
  },
  ...nextVitals,
  ...nextTypescript,
  ...typeChecked,
  {
    files: ["**/*.{ts,tsx,mts}"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // Fire-and-forget is written `void promise` on purpose; everything else is awaited.
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: true }],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      // An async method that implements a Promise-returning interface (a provider, a hook) needs no await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests, benchmarks and scripts read JSON from HTTP and the database as `any` and assert on it.
    files: ["tests/**/*.ts", "e2e/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
  {
    // The money core is reached through one door (src/server/money/index.ts).
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/server/money/**"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["~/server/money/*"], message: "Use the money door: import { money } from \"~/server/money\"." }],
      }],
    },
  },
  {
    // Browser code never imports server modules (types are erased and fine).
    // The one server component among the components reads the request's headers.
    files: ["src/components/**/*.{ts,tsx}", "src/lib/**/*.{ts,tsx}", "src/shared/**/*.ts", "src/trpc/react.tsx"],
    ignores: ["src/components/auth/auth-page.tsx"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["~/server/*", "~/server/**"], allowTypeImports: true, message: "Browser and shared code imports no server module; move what both need to src/shared." }],
      }],
    },
  },
];
