"use client";

import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";

import { JobsTable } from "~/components/admin/jobs-table";
import { PageHeader } from "~/components/page-header";
import { Card } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Label } from "~/components/ui/label";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { adminJobStatuses } from "~/shared/schemas/admin";
import { useTRPC } from "~/trpc/react";

const pageSize = 25;
const refreshMs = 5_000;
const selectClass = "h-9 rounded-md border border-input bg-card px-2 text-sm shadow-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";

type Filters = { user: string; status: string; modelId: string; from: string; to: string };

/** All users' jobs, newest first, filtered by status, user, model and time. */
export function AdminJobs({ initial }: { initial: { user: string; status: string; modelId: string } }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({ ...initial, from: "", to: "" });
  const deferred = useDeferredValue(filters);
  const pages = useCursorPages();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const jobs = useQuery({
    ...trpc.admin.jobs.queryOptions({
      user: deferred.user.trim() || undefined,
      status: adminJobStatuses.find((status) => status === deferred.status),
      modelId: deferred.modelId || undefined,
      from: deferred.from ? new Date(deferred.from) : undefined,
      to: deferred.to ? new Date(deferred.to) : undefined,
      cursor: pages.cursor,
      limit: pageSize,
    }),
    refetchInterval: refreshMs,
  });
  const set = (key: keyof Filters) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    setFilters((previous) => ({ ...previous, [key]: event.target.value }));
    pages.reset();
  };
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Jobs" description="Every user's jobs. Open one for its timeline, ledger entries and force-fail." />
      <form role="search" aria-label="Filter jobs" className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-5" onSubmit={(event) => event.preventDefault()}>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-user">User</Label>
          <Input id="filter-user" type="search" placeholder="Email or id" value={filters.user} onChange={set("user")} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-status">Status</Label>
          <select id="filter-status" className={selectClass} value={filters.status} onChange={set("status")}>
            <option value="">Any status</option>
            {adminJobStatuses.map((status) => <option key={status} value={status}>{status.toLowerCase()}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-model">Model</Label>
          <select id="filter-model" className={selectClass} value={filters.modelId} onChange={set("modelId")}>
            <option value="">Any model</option>
            {catalog.data?.map((model) => <option key={model.id} value={model.id}>{model.name}</option>)}
          </select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-from">Created from</Label>
          <Input id="filter-from" type="datetime-local" value={filters.from} onChange={set("from")} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="filter-to">Created before</Label>
          <Input id="filter-to" type="datetime-local" value={filters.to} onChange={set("to")} />
        </div>
      </form>
      <Card>
        <JobsTable rows={jobs.data?.items ?? []} loading={!jobs.data && !jobs.error} />
      </Card>
      <Pagination
        label="Jobs pages"
        page={pages.page}
        hasPrevious={pages.hasPrevious}
        hasNext={Boolean(jobs.data?.nextCursor)}
        onPrevious={pages.previous}
        onNext={() => pages.next(jobs.data?.nextCursor)}
      />
    </div>
  );
}
