"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { StatusBadge } from "~/components/jobs/status-badge";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";

const recentLimit = 5;
const recentPollMs = 3_000;

/** The user's last few jobs, next to the generate form. */
export function RecentJobs() {
  const trpc = useTRPC();
  const jobs = useQuery({ ...trpc.jobs.list.queryOptions({ limit: recentLimit }), refetchInterval: recentPollMs });
  return (
    <Card className="h-fit">
      <CardHeader className="flex-row items-center justify-between">
        <CardTitle>Recent jobs</CardTitle>
        <Link href="/jobs" className="text-sm text-primary underline-offset-4 hover:underline">All jobs</Link>
      </CardHeader>
      <CardContent>
        {!jobs.data ? (
          <div className="flex flex-col gap-2">{[0, 1, 2].map((i) => <Skeleton key={i} className="h-12" />)}</div>
        ) : jobs.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing yet — your jobs will show up here.</p>
        ) : (
          <ul className="flex flex-col divide-y">
            {jobs.data.items.map((job) => (
              <li key={job.id}>
                <Link href={`/jobs/${job.id}`} className="flex items-center justify-between gap-3 py-2.5 hover:opacity-80">
                  <span className="min-w-0">
                    <span className="block truncate text-sm font-medium">{job.prompt}</span>
                    <span className="block text-xs tabular-nums text-muted-foreground">
                      {job.outputsDone}/{job.outputsRequested} · {job.totalCost} cr
                    </span>
                  </span>
                  <StatusBadge status={job.status} />
                </Link>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
