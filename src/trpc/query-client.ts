import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

import { queryRetryDelayMs, shouldRetryQuery } from "~/lib/app-error";

/**
 * One QueryClient per browser tab (and per server request). A query whose
 * server is unavailable (CONFLICT_RETRY, no answer) is retried until it
 * answers, keeping what it showed; the layout's connection notice says so.
 */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, retry: shouldRetryQuery, retryDelay: queryRetryDelayMs },
      dehydrate: {
        serializeData: superjson.serialize,
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}
