/**
 * Runs once when the Next.js server starts. The Node.js-only part (workers
 * and the cleanup on its own timer) lives in its own module
 * so the edge bundle never sees it.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // First, before any request: the socket address of each request, for
    // the auth limits (a client-sent X-Forwarded-For is not its address).
    const { trackSocketAddresses } = await import("~/server/http/client-address");
    trackSocketAddresses();
    const { startWorkersInWebProcess } = await import("~/server/queue/in-web-process");
    await startWorkersInWebProcess();
  }
}
