/**
 * `npm run test:under-load` — the whole vitest suite while two CPU-burning
 * processes compete for the machine's cores, as a busy CI host does. A suite
 * whose results depend on the machine's load fails here first. Prints one
 * line per test file (pass or fail, tests, time) and a summary; exits with
 * vitest's status, so an error outside any test (an unhandled rejection, a
 * teardown) fails it too.
 *
 *   npm run test:under-load                  # two burners
 *   npm run test:under-load -- --burners 3   # more
 *   npm run test:under-load -- tests/faults  # a part of the suite
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { burners: { type: "string", default: "2" } },
  allowPositionals: true,
});
const burnerCount = Number(values.burners);
if (!Number.isInteger(burnerCount) || burnerCount < 0 || burnerCount > 16) {
  console.error("--burners takes a whole number from 0 to 16");
  process.exit(2);
}

/** One process that keeps one core busy until it is killed. */
function startBurner(): ChildProcess {
  return spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
}

type FileResult = { name: string; status: string; assertionResults: { status: string }[]; startTime: number; endTime: number; message?: string };
type Report = { numTotalTests: number; numPassedTests: number; numFailedTests: number; success: boolean; testResults: FileResult[] };

const outDir = mkdtempSync(path.join(tmpdir(), "creditworks-under-load-"));
const reportFile = path.join(outDir, "report.json");
const burners = Array.from({ length: burnerCount }, startBurner);
const stopBurners = () => burners.forEach((burner) => burner.kill("SIGKILL"));
process.on("exit", stopBurners);

const startedAt = Date.now();
const vitest = spawn(
  process.execPath,
  ["node_modules/vitest/vitest.mjs", "run", "--reporter=dot", "--reporter=json", `--outputFile.json=${reportFile}`, ...positionals],
  { stdio: "inherit" },
);
const code: number = await new Promise((resolve) => vitest.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
stopBurners();

let report: Report | null = null;
try {
  report = JSON.parse(readFileSync(reportFile, "utf8")) as Report;
} catch {
  console.log("\nvitest wrote no report (it did not finish).");
}
rmSync(outDir, { recursive: true, force: true });
if (report) {
  console.log(`\nUnder load (${burnerCount} CPU-burning processes beside the suite):`);
  const root = process.cwd() + path.sep;
  for (const file of [...report.testResults].sort((a, b) => a.name.localeCompare(b.name))) {
    const tests = file.assertionResults.length;
    const failed = file.assertionResults.filter((test) => test.status === "failed").length;
    const seconds = ((file.endTime - file.startTime) / 1000).toFixed(1);
    const verdict = file.status === "passed" ? "pass" : "FAIL";
    console.log(`  ${verdict}  ${file.name.replace(root, "")}  ${tests - failed}/${tests}  ${seconds} s${file.message ? `  ${file.message.split("\n")[0]}` : ""}`);
  }
  const files = report.testResults.length;
  const failedFiles = report.testResults.filter((file) => file.status !== "passed").length;
  console.log(
    `Summary: ${files - failedFiles}/${files} files, ${report.numPassedTests}/${report.numTotalTests} tests passed, ` +
      `vitest exit ${code}${code !== 0 && report.numFailedTests === 0 ? " (an error outside any test: see above)" : ""}, ` +
      `${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
}
process.exit(code);
