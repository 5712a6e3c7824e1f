"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { CreditsChart, JobsChart } from "~/components/admin/charts";
import { PageHeader } from "~/components/page-header";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { formatCredits, formatDuration } from "~/lib/format";
import { statsPeriodsHours } from "~/shared/schemas/admin";
import type { AdminStats } from "~/server/admin/stats";
import { useTRPC } from "~/trpc/react";

const refreshMs = 10_000;
const periodLabel: Record<number, string> = { 1: "1 hour", 24: "24 hours", 168: "7 days", 720: "30 days" };

/** KPIs and charts for a chosen period; live numbers refresh every 10 s. */
export function AdminDashboard() {
  const trpc = useTRPC();
  const [hours, setHours] = useState<number>(24);
  const stats = useQuery({ ...trpc.admin.stats.queryOptions({ hours }), refetchInterval: refreshMs });
  const series = useQuery({ ...trpc.admin.timeseries.queryOptions({ hours }), refetchInterval: refreshMs });
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Admin overview"
        description={`Jobs created and credits moved in the last ${periodLabel[hours] ?? `${hours} hours`}; queue and stuck jobs are live.`}
        actions={
          <div role="group" aria-label="Period" className="flex flex-wrap gap-1">
            {statsPeriodsHours.map((option) => (
              <Button
                key={option}
                size="sm"
                variant={option === hours ? "default" : "outline"}
                aria-pressed={option === hours}
                onClick={() => setHours(option)}
              >
                {periodLabel[option]}
              </Button>
            ))}
          </div>
        }
      />
      {stats.error ? (
        <Alert variant="destructive">
          <AlertTitle>The KPIs could not be loaded</AlertTitle>
          <AlertDescription>{stats.error.message}</AlertDescription>
        </Alert>
      ) : null}
      <Kpis stats={stats.data} />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Jobs over time</CardTitle>
            <CardDescription>Created per {series.data?.unit ?? "hour"}, by outcome</CardDescription>
          </CardHeader>
          <CardContent>
            {series.data ? <JobsChart points={series.data.points} unit={series.data.unit} /> : <Skeleton className="h-64" />}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Credits over time</CardTitle>
            <CardDescription>Charged, refunded, granted and purchased per {series.data?.unit ?? "hour"}</CardDescription>
          </CardHeader>
          <CardContent>
            {series.data ? <CreditsChart points={series.data.points} unit={series.data.unit} /> : <Skeleton className="h-64" />}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}

/** The server's own type: the KPIs cannot drift from what `admin.stats` returns. */
type Stats = AdminStats;

function Kpis({ stats }: { stats: Stats | undefined }) {
  if (!stats) {
    return (
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-5">
        {Array.from({ length: 10 }, (_, index) => <Skeleton key={index} className="h-24" />)}
      </div>
    );
  }
  const total = Object.values(stats.jobsByStatus).reduce((sum, count) => sum + count, 0);
  const byStatus = ["COMPLETED", "FAILED", "CANCELLED", "PENDING", "PROCESSING"]
    .map((status) => `${stats.jobsByStatus[status] ?? 0} ${status.toLowerCase()}`)
    .join(" · ");
  return (
    <section aria-label="Key figures" className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-5">
      <Kpi label="Jobs" value={formatCredits(total)} hint={byStatus} />
      <Kpi label="Success rate" value={stats.successRate === null ? "—" : `${(stats.successRate * 100).toFixed(1)} %`} hint="completed ÷ (completed + failed)" />
      <Kpi label="Duration p50 / p95" value={`${ms(stats.durationP50Ms)} / ${ms(stats.durationP95Ms)}`} hint="created → finished, completed jobs" />
      <Kpi label="Active jobs" value={formatCredits(stats.activeJobs)} hint="pending or processing, now" />
      <Kpi
        label="Stuck jobs"
        value={formatCredits(stats.stuckJobs)}
        tone={stats.stuckJobs > 0 ? "warning" : undefined}
        hint={stats.stuckJobs > 0 ? <Link className="underline" href="/admin/integrity">Check integrity</Link> : "lease expired or past deadline"}
      />
      <Kpi label="Queue depth" value={formatCredits(stats.queueDepth)} hint="queue entries waiting for a worker" />
      <Kpi label="Credits charged" value={formatCredits(stats.credits.charged)} />
      <Kpi label="Credits refunded" value={formatCredits(stats.credits.refunded)} />
      <Kpi label="Credits granted" value={formatCredits(stats.credits.granted)} hint={stats.credits.adjusted ? `${formatCredits(stats.credits.adjusted)} adjusted` : undefined} />
      <Kpi label="Credits purchased" value={formatCredits(stats.credits.purchased)} />
    </section>
  );
}

function ms(value: number | null): string {
  if (value === null) return "—";
  return value < 1_000 ? `${Math.round(value)} ms` : formatDuration(value);
}

function Kpi({ label, value, hint, tone }: { label: string; value: string; hint?: React.ReactNode; tone?: "warning" }) {
  return (
    <Card className={tone === "warning" ? "border-amber-500" : undefined}>
      <CardContent className="flex flex-col gap-1 p-4">
        <span className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{label}</span>
        <span className="text-2xl font-semibold tabular-nums" data-testid={`kpi-${label.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-")}`}>{value}</span>
        {hint ? <span className="text-xs text-muted-foreground">{hint}</span> : null}
      </CardContent>
    </Card>
  );
}
