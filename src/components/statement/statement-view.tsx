"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { CheckCircle2Icon, ReceiptTextIcon } from "lucide-react";
import Link from "next/link";

import { WalletSection } from "~/components/statement/wallet-section";
import { StatementFilters, useStatementFilter } from "~/components/statement/statement-filters";
import { Badge, type BadgeProps } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatCredits, formatDateTime, formatSignedCredits } from "~/lib/format";
import { cn } from "~/lib/utils";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import type { StatementFilter } from "~/shared/statement-filter";
import { useTRPC } from "~/trpc/react";

const pageSize = 20;
const statementPollMs = 5_000;

const kindLook: Record<string, { label: string; variant: BadgeProps["variant"] }> = {
  GRANT: { label: "Grant", variant: "info" },
  PURCHASE: { label: "Purchase", variant: "success" },
  CHARGE: { label: "Charge", variant: "secondary" },
  REFUND: { label: "Refund", variant: "warning" },
  ADJUSTMENT: { label: "Adjustment", variant: "outline" },
  EXPIRE: { label: "Expired", variant: "destructive" },
};

/** The credit statement: totals per kind, then every ledger entry, newest first. */
/**
 * `showMembers`: a team's statement says who each entry is by. `jobLinksOf`:
 * a team's MEMBER sees only their own jobs (SPEC §9), so only those entries
 * link to their job.
 */
export function StatementView({ initialQuery = "", showMembers = false, jobLinksOf = null }: { initialQuery?: string; showMembers?: boolean; jobLinksOf?: string | null }) {
  return (
    <div className="flex flex-col gap-6">
      <StatementTotals />
      <WalletSection />
      <LedgerTable initialQuery={initialQuery} showMembers={showMembers} jobLinksOf={jobLinksOf} />
    </div>
  );
}

function StatementTotals() {
  const trpc = useTRPC();
  const totals = useQuery({ ...trpc.account.totals.queryOptions(), refetchInterval: statementPollMs });
  const summary = useQuery({ ...trpc.credits.summary.queryOptions(), refetchInterval: statementPollMs });
  useUnauthorizedRedirect(totals.error, summary.error);
  if (!totals.data || !summary.data) {
    return <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">{[0, 1, 2, 3].map((i) => <Skeleton key={i} className="h-[86px]" />)}</div>;
  }
  const amount = (kind: string) => totals.data.byKind.find((row) => row.kind === kind)?.amount ?? 0;
  const cards = [
    { label: "Available", value: formatCredits(summary.data.available), hint: `${formatCredits(summary.data.reserved)} reserved by active jobs` },
    { label: "Added", value: formatSignedCredits(amount("GRANT") + amount("PURCHASE") + Math.max(0, amount("ADJUSTMENT"))), hint: `${formatCredits(amount("PURCHASE"))} purchased · ${formatCredits(amount("GRANT"))} granted` },
    { label: "Spent", value: formatSignedCredits(amount("CHARGE")), hint: "charged for jobs" },
    { label: "Refunded", value: formatSignedCredits(amount("REFUND")), hint: "outputs not delivered" },
  ];
  const balanced = totals.data.net === totals.data.balance;
  return (
    <section aria-label="Totals" className="flex flex-col gap-2">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        {cards.map((card) => (
          <Card key={card.label}>
            <CardContent className="flex flex-col gap-0.5 pt-4 pb-4">
              <span className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{card.label}</span>
              <span className="text-2xl font-semibold tabular-nums" data-testid={`total-${card.label.toLowerCase()}`}>{card.value}</span>
              <span className="text-xs text-muted-foreground">{card.hint}</span>
            </CardContent>
          </Card>
        ))}
      </div>
      {balanced ? (
        <p className="flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="ledger-balanced">
          <CheckCircle2Icon className="size-3.5 text-success" aria-hidden />
          {totals.data.entries} entries add up to your balance of {formatCredits(totals.data.balance)}.
        </p>
      ) : null}
    </section>
  );
}

/** `showMembers`: a team's statement says which member each entry is by (SPEC §9). */
function LedgerTable({ initialQuery, showMembers, jobLinksOf }: { initialQuery: string; showMembers: boolean; jobLinksOf: string | null }) {
  const statementFilter = useStatementFilter(initialQuery);
  return (
    <div className="flex flex-col gap-3">
      <StatementFilters state={statementFilter} />
      {/* A new filter starts again at page 1. */}
      <LedgerEntries key={statementFilter.filterKey} showMembers={showMembers} jobLinksOf={jobLinksOf} filter={statementFilter.filter} filtered={statementFilter.active} onClear={() => statementFilter.setFilter({})} />
    </div>
  );
}

function LedgerEntries({ filter, filtered, onClear, showMembers, jobLinksOf }: {
  filter: StatementFilter;
  filtered: boolean;
  onClear: () => void;
  showMembers: boolean;
  jobLinksOf: string | null;
}) {
  const trpc = useTRPC();
  const pages = useCursorPages();
  const ledger = useQuery({
    ...trpc.credits.ledger.queryOptions({ limit: pageSize, cursor: pages.cursor, ...filter }),
    refetchInterval: pages.page === 1 ? statementPollMs : false,
    placeholderData: keepPreviousData,
  });
  if (!ledger.data) return <Card className="flex flex-col gap-2 p-4">{[0, 1, 2, 3, 4].map((i) => <Skeleton key={i} className="h-10" />)}</Card>;
  if (ledger.data.items.length === 0) {
    return filtered ? (
      <EmptyState icon={<ReceiptTextIcon />} title="No entries match these filters" description="Widen the dates or pick other kinds."
        action={<Button variant="outline" onClick={onClear}>Clear filters</Button>} />
    ) : (
      <EmptyState icon={<ReceiptTextIcon />} title="No entries yet" action={<Button asChild><Link href="/buy">Buy credits</Link></Button>} />
    );
  }
  // A plain box: the table's own scrolling region already carries the name
  // "Ledger entries", and two landmarks of one name cannot be told apart.
  return (
    <div className="flex flex-col gap-3">
      <Card>
        <CardHeader><CardTitle id="ledger-title">Ledger entries</CardTitle></CardHeader>
        <Table aria-labelledby="ledger-title">
          <TableHeader>
            <TableRow>
              <TableHead className="hidden sm:table-cell">Date</TableHead>
              <TableHead>Entry</TableHead>
              {showMembers ? <TableHead className="hidden md:table-cell">By</TableHead> : null}
              <TableHead className="text-right">Amount</TableHead>
              <TableHead className="hidden text-right sm:table-cell">Before</TableHead>
              <TableHead className="text-right">After</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {ledger.data.items.map((entry) => (
              <TableRow key={entry.id} data-testid="ledger-row" data-kind={entry.kind}>
                <TableCell className="hidden whitespace-nowrap text-muted-foreground sm:table-cell">{formatDateTime(entry.createdAt)}</TableCell>
                <TableCell className="sm:min-w-48">
                  <span className="mb-1 block text-xs text-muted-foreground sm:hidden">{formatDateTime(entry.createdAt)}</span>
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge variant={kindLook[entry.kind]?.variant}>{kindLook[entry.kind]?.label ?? entry.kind}</Badge>
                    <span className="text-sm">{entry.reason}</span>
                  </div>
                  {showMembers && entry.by ? <span className="block text-xs text-muted-foreground md:hidden">By {entry.by}</span> : null}
                  {entry.jobId && (jobLinksOf === null || entry.actorUserId === jobLinksOf) ? (
                    <Link href={`/jobs/${entry.jobId}`} className="text-xs text-primary underline-offset-4 hover:underline">
                      Job {entry.jobId.slice(0, 8)}
                    </Link>
                  ) : null}
                  {entry.receiptCheckoutId ? (
                    <Link href={`/receipts/${entry.receiptCheckoutId}`} className="text-xs text-primary underline-offset-4 hover:underline">
                      Receipt
                    </Link>
                  ) : null}
                </TableCell>
                {showMembers ? (
                  <TableCell className="hidden max-w-40 truncate text-sm md:table-cell" data-testid="ledger-by">{entry.by ?? <span className="text-muted-foreground">—</span>}</TableCell>
                ) : null}
                <TableCell className={cn("text-right font-medium tabular-nums", entry.amount > 0 ? "text-success" : "")}>
                  {formatSignedCredits(entry.amount)}
                </TableCell>
                <TableCell className="hidden text-right tabular-nums text-muted-foreground sm:table-cell">{formatCredits(entry.balanceBefore)}</TableCell>
                <TableCell className="text-right tabular-nums">{formatCredits(entry.balanceAfter)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Card>
      {pages.hasPrevious || ledger.data.nextCursor ? (
        <Pagination
          page={pages.page}
          hasPrevious={pages.hasPrevious}
          hasNext={!!ledger.data.nextCursor}
          onPrevious={pages.previous}
          onNext={() => pages.next(ledger.data.nextCursor)}
          label="Statement pages"
        />
      ) : null}
    </div>
  );
}
