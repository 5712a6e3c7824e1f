"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SparklesIcon } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { RerunButton } from "~/components/jobs/rerun-button";
import { StatusBadge } from "~/components/jobs/status-badge";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { Segmented } from "~/components/ui/segmented";
import { formatDateTime } from "~/lib/format";
import { jobFilters, type JobFilter } from "~/shared/job-filters";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";

const filterLabels: Record<JobFilter, string> = {
  all: "All", active: "Active", COMPLETED: "Completed", FAILED: "Failed", CANCELLED: "Cancelled",
};
const pageSize = 8;
const listPollMs = 3_000;
// Active jobs are bounded by MAX_ACTIVE_JOBS, so one page of each status holds them all.
const activePageSize = 100;

type JobRow = {
  id: string; prompt: string; modelId: string; status: string; outputsDone: number;
  outputsRequested: number; pricePerOutput: number; totalCost: number; refundedAmount: number; createdAt: Date;
};

/** The user's jobs, filterable by status (kept in the URL) and paginated. */
export function JobsList({ initialFilter }: { initialFilter: JobFilter }) {
  const router = useRouter();
  const [filter, setFilter] = useState<JobFilter>(initialFilter);
  const pages = useCursorPages();
  const { rows, nextCursor, loading } = useJobRows(filter, pages.cursor);

  function changeFilter(next: JobFilter) {
    setFilter(next);
    pages.reset();
    router.replace(next === "all" ? "/jobs" : `/jobs?status=${next}`, { scroll: false });
  }

  return (
    <div className="flex flex-col gap-4">
      <Segmented
        label="Filter by status"
        value={filter}
        options={jobFilters.map((f) => ({ value: f, label: filterLabels[f] }))}
        onChange={changeFilter}
      />
      {loading ? (
        <Card className="flex flex-col gap-2 p-4">{[0, 1, 2, 3].map((i) => <Skeleton key={i} className="h-10" />)}</Card>
      ) : rows.length === 0 ? (
        <EmptyState
          icon={<SparklesIcon />}
          title={filter === "all" ? "No jobs yet" : `No ${filterLabels[filter].toLowerCase()} jobs`}
          description={filter === "all" ? "Your generations will be listed here, with their status and cost." : "Try another filter, or start something new."}
          action={<Button asChild><Link href="/">Generate something</Link></Button>}
        />
      ) : (
        <Card>
          <JobsTable rows={rows} />
        </Card>
      )}
      {filter !== "active" && (pages.hasPrevious || nextCursor) ? (
        <Pagination page={pages.page} hasPrevious={pages.hasPrevious} hasNext={!!nextCursor} onPrevious={pages.previous} onNext={() => pages.next(nextCursor)} label="Jobs pages" />
      ) : null}
    </div>
  );
}

function useJobRows(filter: JobFilter, cursor: string | undefined) {
  const trpc = useTRPC();
  const isActive = filter === "active";
  const options = { refetchInterval: listPollMs, placeholderData: keepPreviousData } as const;
  const list = useQuery({
    ...trpc.jobs.list.queryOptions({ limit: pageSize, cursor, ...(filter === "all" || isActive ? {} : { status: filter }) }),
    ...options, enabled: !isActive,
  });
  const pending = useQuery({ ...trpc.jobs.list.queryOptions({ status: "PENDING", limit: activePageSize }), ...options, enabled: isActive });
  const processing = useQuery({ ...trpc.jobs.list.queryOptions({ status: "PROCESSING", limit: activePageSize }), ...options, enabled: isActive });
  useUnauthorizedRedirect(list.error, pending.error, processing.error);
  if (isActive) {
    const rows: JobRow[] = [...(processing.data?.items ?? []), ...(pending.data?.items ?? [])]
      .sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime());
    return { rows, nextCursor: null, loading: !pending.data || !processing.data };
  }
  return { rows: (list.data?.items ?? []) as JobRow[], nextCursor: list.data?.nextCursor ?? null, loading: !list.data };
}

function JobsTable({ rows }: { rows: JobRow[] }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const modelName = (id: string) => catalog.data?.find((model) => model.id === id)?.name ?? id;
  return (
    <Table aria-label="Jobs">
      <TableHeader>
        <TableRow>
          <TableHead>Prompt</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="hidden text-right sm:table-cell">Outputs</TableHead>
          <TableHead className="hidden text-right sm:table-cell">Cost</TableHead>
          <TableHead className="hidden md:table-cell">Created</TableHead>
          <TableHead className="w-0 pl-0 text-right max-sm:pr-2"><span className="sr-only">Actions</span></TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((job) => (
          <TableRow key={job.id} data-testid="job-row">
            <TableCell className="max-w-[10rem] sm:max-w-sm">
              <Link href={`/jobs/${job.id}`} className="block truncate font-medium hover:underline">{job.prompt}</Link>
              <span className="text-xs text-muted-foreground">
                {modelName(job.modelId)}
                <span className="tabular-nums sm:hidden"> · {job.outputsDone}/{job.outputsRequested} · {job.totalCost - job.refundedAmount} cr</span>
              </span>
            </TableCell>
            <TableCell><StatusBadge status={job.status} /></TableCell>
            <TableCell className="hidden text-right tabular-nums sm:table-cell">{job.outputsDone}/{job.outputsRequested}</TableCell>
            <TableCell className="hidden text-right tabular-nums sm:table-cell">
              {job.totalCost - job.refundedAmount}
              {job.refundedAmount > 0 ? <span className="text-xs text-muted-foreground"> of {job.totalCost}</span> : null}
            </TableCell>
            <TableCell className="hidden whitespace-nowrap text-muted-foreground md:table-cell">{formatDateTime(job.createdAt)}</TableCell>
            <TableCell className="w-0 pl-0 text-right max-sm:pr-2"><RerunButton job={job} returnTo="/jobs" compact /></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
