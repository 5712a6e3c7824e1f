/** The benchmark's command line: `npm run bench -- --scenario=accounts,hot --duration=15`. */
export const scenarioNames = ["accounts", "accounts-budgets", "hot", "rest", "worker", "cleanup", "large", "processes"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export type BenchOptions = {
  scenarios: ScenarioName[];
  durationS: number;
  clients: number;
  accounts: number;
  poolMax: number;
  workerConcurrency: number;
  stuckJobs: number;
  largeJobs: number;
  largeLedgerPerJob: number;
  /** Calls of each admin read measured in the `large` scenario (after 2 warm-up calls). */
  largeSamples: number;
  maxActiveJobs: number;
  rateLimitPerMinute: number;
  cleanupBatchMax: number;
  rebuild: boolean;
  /** Reuse the staged build even when sources changed since (stable before/after runs). */
  reuseBuild: boolean;
  /** Build with the hot-path files of this git ref (before/after comparisons). */
  hotPathRef: string | null;
  /** Web processes (`next start`) on one database, the HTTP load spread across them. */
  webProcesses: number;
  /** Seconds of the one-client latency probe after each create scenario. */
  oneClientS: number;
};

const defaults: BenchOptions = {
  // `processes` (3 web + 3 worker processes, two of them killed) and
  // `accounts-budgets` (four create windows) only when asked for.
  scenarios: scenarioNames.filter((name) => name !== "processes" && name !== "accounts-budgets"),
  durationS: 15,
  clients: 32,
  accounts: 1_000,
  poolMax: 8,
  workerConcurrency: 128,
  stuckJobs: 10_000,
  largeJobs: 1_000_000,
  largeLedgerPerJob: 10,
  largeSamples: 40,
  maxActiveJobs: 10_000,
  rateLimitPerMinute: 100_000,
  cleanupBatchMax: 1_000,
  rebuild: false,
  reuseBuild: false,
  hotPathRef: null,
  webProcesses: 1,
  oneClientS: 5,
};

const numeric: Partial<Record<string, keyof BenchOptions>> = {
  duration: "durationS", clients: "clients", accounts: "accounts", pool: "poolMax",
  "worker-concurrency": "workerConcurrency", "stuck-jobs": "stuckJobs", "large-jobs": "largeJobs",
  "large-ledger-per-job": "largeLedgerPerJob", "large-samples": "largeSamples", "max-active-jobs": "maxActiveJobs",
  "rate-limit": "rateLimitPerMinute", "cleanup-batch": "cleanupBatchMax",
  "web-processes": "webProcesses", "one-client": "oneClientS",
};

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { ...defaults };
  for (const arg of argv) {
    const [name, value = "true"] = arg.replace(/^--/, "").split("=");
    if (name === "scenario" || name === "scenarios") {
      const picked = value.split(",").map((s) => s.trim());
      const unknown = picked.filter((s) => !scenarioNames.includes(s as ScenarioName));
      if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(", ")} (use ${scenarioNames.join(", ")})`);
      options.scenarios = picked as ScenarioName[];
    } else if (name === "hot-path") {
      options.hotPathRef = value;
    } else if (name === "reuse-build") {
      options.reuseBuild = value !== "false";
    } else if (name === "rebuild") {
      options.rebuild = value !== "false";
    } else if (name && numeric[name]) {
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} needs a positive number`);
      (options as Record<string, unknown>)[numeric[name]] = parsed;
    } else {
      throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}
