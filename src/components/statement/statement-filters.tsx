"use client";

import { DownloadIcon, XIcon } from "lucide-react";
import { useCallback, useMemo, useState } from "react";

import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { useCurrentPath } from "~/lib/navigation";
import {
  ledgerKindLabels, ledgerKinds, statementFilterFromSearchParams, statementFilterToSearchParams, statementRangeError,
  type LedgerKindFilter, type StatementFilter,
} from "~/shared/statement-filter";
import { cn } from "~/lib/utils";

/**
 * The statement's filter, kept in the URL query (shareable, survives a
 * reload). The page reads the query on the server and hands it here; a
 * change is local state, written to the URL with the History API (which
 * Next.js keeps in step with its router) so that the page is neither
 * fetched again nor remounted.
 */
export function useStatementFilter(initialQuery: string) {
  const pathname = useCurrentPath();
  const [query, setQuery] = useState(initialQuery);
  const params = useMemo(() => new URLSearchParams(query), [query]);
  const filter = useMemo(() => statementFilterFromSearchParams(params), [params]);
  const replaceQuery = useCallback(
    (next: URLSearchParams) => {
      const text = next.toString();
      setQuery(text);
      window.history.replaceState(null, "", text ? `${pathname}?${text}` : pathname);
    },
    [pathname],
  );
  const setFilter = useCallback((next: StatementFilter) => replaceQuery(statementFilterToSearchParams(next)), [replaceQuery]);
  const active = !!(filter.from || filter.to || filter.kinds);
  return { filter, params, setFilter, replaceQuery, active, filterKey: statementFilterToSearchParams(filter).toString() };
}

/** Date range and kinds, and the CSV export of exactly what they select. */
export function StatementFilters({ state }: { state: ReturnType<typeof useStatementFilter> }) {
  const { filter, params, setFilter, replaceQuery, active } = state;
  const rawFrom = params.get("from") ?? "";
  const rawTo = params.get("to") ?? "";
  const rangeError = statementRangeError(rawFrom, rawTo);
  const selected = new Set<LedgerKindFilter>(filter.kinds ?? []);
  const exportQuery = statementFilterToSearchParams(filter).toString();

  // The dates go to the URL as typed, so a range being fixed (from after to)
  // stays in the inputs with its message; the list ignores it meanwhile.
  function setDates(from: string, to: string) {
    const next = statementFilterToSearchParams({ kinds: filter.kinds });
    if (from) next.set("from", from);
    if (to) next.set("to", to);
    replaceQuery(next);
  }

  function toggleKind(kind: LedgerKindFilter) {
    const next = new Set(selected);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    setFilter({ ...filter, kinds: next.size > 0 ? ledgerKinds.filter((k) => next.has(k)) : undefined });
  }

  return (
    <section aria-label="Filters" className="flex flex-col gap-3 rounded-xl border bg-card p-4">
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex min-w-0 flex-col gap-1.5">
          <Label htmlFor="statement-from">From (UTC)</Label>
          <Input id="statement-from" type="date" className="w-40" value={rawFrom} max={rawTo || undefined}
            onChange={(event) => setDates(event.target.value, rawTo)} aria-describedby={rangeError ? "statement-range-error" : undefined} />
        </div>
        <div className="flex min-w-0 flex-col gap-1.5">
          <Label htmlFor="statement-to">To (UTC)</Label>
          <Input id="statement-to" type="date" className="w-40" value={rawTo} min={rawFrom || undefined}
            onChange={(event) => setDates(rawFrom, event.target.value)} aria-invalid={!!rangeError || undefined}
            aria-describedby={rangeError ? "statement-range-error" : undefined} />
        </div>
        <div className="ml-auto flex flex-wrap gap-2">
          {active ? (
            <Button variant="ghost" size="sm" onClick={() => setFilter({})}>
              <XIcon className="size-4" aria-hidden /> Clear filters
            </Button>
          ) : null}
          <Button asChild variant="outline" size="sm">
            <a href={`/api/statement/csv${exportQuery ? `?${exportQuery}` : ""}`} download>
              <DownloadIcon className="size-4" aria-hidden /> Export CSV
            </a>
          </Button>
        </div>
      </div>
      <FieldError id="statement-range-error">{rangeError}</FieldError>
      <fieldset className="flex flex-wrap gap-2">
        <legend className="mb-1.5 text-sm font-medium">Kinds</legend>
        {ledgerKinds.map((kind) => (
          <label
            key={kind}
            className={cn(
              "flex cursor-pointer items-center gap-1.5 rounded-full border px-3 py-1 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring",
              selected.has(kind) ? "border-primary bg-primary/10 font-medium" : "text-muted-foreground",
            )}
          >
            <input type="checkbox" className="size-3.5 accent-primary" checked={selected.has(kind)} onChange={() => toggleKind(kind)} />
            {ledgerKindLabels[kind]}
          </label>
        ))}
      </fieldset>
    </section>
  );
}
