import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import superjson from "superjson";

/** One QueryClient per browser tab (and per server request). */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 5_000, retry: (count, error) => count < 2 && isRetryable(error) },
      dehydrate: {
        serializeData: superjson.serialize,
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
}

function isRetryable(error: unknown): boolean {
  const code = (error as { data?: { appCode?: string } } | null)?.data?.appCode;
  return code === undefined || code === "CONFLICT_RETRY" || code === "INTERNAL";
}
