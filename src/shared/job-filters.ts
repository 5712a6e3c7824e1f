/** The filters of the jobs list; "active" means PENDING or PROCESSING. */
export const jobFilters = ["all", "active", "COMPLETED", "FAILED", "CANCELLED"] as const;
export type JobFilter = (typeof jobFilters)[number];

/** A `?status=` value from the URL, or "all" when it is not a known filter. */
export function parseJobFilter(value: string | undefined): JobFilter {
  return (jobFilters as readonly string[]).includes(value ?? "") ? (value as JobFilter) : "all";
}
