import "server-only";

import type { ReactNode } from "react";

import { ReconnectingPage } from "~/components/reconnecting-page";
import { isDatabaseUnavailable } from "~/server/database/app-errors";

/**
 * A page whose reads may find the database unavailable (restarting,
 * unreachable): instead of the error page, it renders the reconnecting
 * state, which renders the page again by itself until it succeeds. The
 * failure was logged once where it was typed (the session lookup or the
 * procedure). Redirects, not-found and bugs go on as before.
 */
export function withReconnecting<P>(page: (props: P) => Promise<ReactNode>): (props: P) => Promise<ReactNode> {
  return async function PageOrReconnecting(props: P) {
    try {
      return await page(props);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return <ReconnectingPage />;
      throw error;
    }
  };
}
