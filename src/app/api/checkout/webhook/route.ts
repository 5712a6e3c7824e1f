import "server-only";

import { db } from "~/server/db";
import { appErrors, isAppError } from "~/server/errors";
import { routeFailure } from "~/server/http/route-failure";
import { confirmCheckout } from "~/server/payments/checkout";
import { confirmationInput } from "~/shared/schemas/payments";

export const dynamic = "force-dynamic";

/**
 * A payment provider's server-to-server confirmation that a checkout was
 * paid. Providers deliver webhooks at least once, so a repeat must be (and
 * is) a replay: the response says `replayed: true` and grants nothing. The
 * confirmation's signature is the authentication; no session is needed.
 */
export async function POST(request: Request) {
  const parsed = confirmationInput.safeParse(await request.json().catch(() => null));
  if (!parsed.success) return Response.json({ error: "invalid confirmation" }, { status: 400 });
  try {
    const result = await confirmCheckout(db, parsed.data);
    return Response.json({ received: true, replayed: result.replayed, credits: result.credits });
  } catch (error) {
    // The provider retries what is not a 2xx; a database that is restarting is a 503 with Retry-After.
    if (isAppError(error) && error.code !== "CONFLICT_RETRY") return Response.json({ error: error.code }, { status: appErrors[error.code].http });
    return routeFailure(error, request);
  }
}
