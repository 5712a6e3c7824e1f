import { checkHealth } from "~/server/ops/health";

export const dynamic = "force-dynamic";

/** Database and queue status, for load balancers and humans: 503 within 2 s when the database does not answer. */
export async function GET() {
  const health = await checkHealth();
  return Response.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
