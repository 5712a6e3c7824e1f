import { z } from "zod";

/**
 * The statement's filters, shared by the page (kept in its URL query), the
 * `credits.ledger` procedure and the CSV export, so what is exported is
 * exactly what is shown. Zod only: safe to import from the client.
 */
export const ledgerKinds = ["GRANT", "PURCHASE", "CHARGE", "REFUND", "ADJUSTMENT", "EXPIRE"] as const;
export type LedgerKindFilter = (typeof ledgerKinds)[number];

export const ledgerKindLabels: Record<LedgerKindFilter, string> = {
  GRANT: "Grants",
  PURCHASE: "Purchases",
  CHARGE: "Charges",
  REFUND: "Refunds",
  ADJUSTMENT: "Adjustments",
  EXPIRE: "Expiries",
};

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date as YYYY-MM-DD.")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), "Not a date.");

const rangeErrorMessage = "The start date must be on or before the end date.";

export const statementFilterInput = z
  .object({
    /** First day included (UTC). */
    from: isoDay.optional(),
    /** Last day included (UTC). */
    to: isoDay.optional(),
    kinds: z.array(z.enum(ledgerKinds)).max(ledgerKinds.length).optional(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from <= filter.to, {
    message: rangeErrorMessage,
    path: ["to"],
  });

export type StatementFilter = z.infer<typeof statementFilterInput>;

/** Reads the filter from a URL query (`?from=2026-11-01&to=2026-11-30&kind=PURCHASE&kind=REFUND`); bad values are dropped. */
export function statementFilterFromSearchParams(params: URLSearchParams): StatementFilter {
  const kinds = params.getAll("kind").filter((kind): kind is LedgerKindFilter => (ledgerKinds as readonly string[]).includes(kind));
  const candidate = {
    from: params.get("from") || undefined,
    to: params.get("to") || undefined,
    kinds: kinds.length > 0 ? [...new Set(kinds)] : undefined,
  };
  const parsed = statementFilterInput.safeParse(candidate);
  if (parsed.success) return parsed.data;
  return { kinds: candidate.kinds };
}

/**
 * The statement page's query as it was given: each date kept when it is a
 * date, even when the two are the wrong way round, so that the date inputs
 * show them with the same message as when they are typed that way (the
 * list ignores such a range until it is fixed); kinds as the filter reads
 * them; anything else dropped.
 */
export function statementQueryFromSearchParams(params: URLSearchParams): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ["from", "to"] as const) {
    const value = params.get(key);
    if (value && isoDay.safeParse(value).success) query.set(key, value);
  }
  for (const kind of statementFilterFromSearchParams(params).kinds ?? []) query.append("kind", kind);
  return query;
}

/** The message of a range whose start is after its end (the inputs and the URL show it alike). */
export function statementRangeError(from: string, to: string): string | undefined {
  return from && to && from > to ? rangeErrorMessage : undefined;
}

/** The URL query of a filter (the inverse of `statementFilterFromSearchParams`). */
export function statementFilterToSearchParams(filter: StatementFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.from) params.set("from", filter.from);
  if (filter.to) params.set("to", filter.to);
  for (const kind of filter.kinds ?? []) params.append("kind", kind);
  return params;
}

/** A Next.js page's `searchParams` object as URLSearchParams (repeated keys kept). */
export function toSearchParams(record: Record<string, string | string[] | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(record)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) params.append(key, item);
  }
  return params;
}
