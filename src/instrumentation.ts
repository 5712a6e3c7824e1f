/**
 * Runs once when the Next.js server starts. The Node.js-only part (workers
 * and the cleanup on its own timer) lives in its own module
 * so the edge bundle never sees it.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startWorkersInWebProcess } = await import("~/server/jobs/in-web-process");
    await startWorkersInWebProcess();
  }
}
