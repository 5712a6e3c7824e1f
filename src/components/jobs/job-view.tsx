"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, CheckCircle2Icon, FileArchiveIcon, ReceiptTextIcon, XCircleIcon } from "lucide-react";
import Link from "next/link";
import { useEffect, useRef } from "react";

import { CancelJobButton } from "~/components/jobs/cancel-job-button";
import { OutputCard } from "~/components/jobs/output-card";
import { RerunButton } from "~/components/jobs/rerun-button";
import { activeJobStatuses, StatusBadge } from "~/components/jobs/status-badge";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { EmptyState } from "~/components/ui/empty-state";
import { Progress } from "~/components/ui/progress";
import { Skeleton } from "~/components/ui/skeleton";
import { appErrorOf, isFinalError, isReconnectable, shouldRetryQuery } from "~/lib/app-error";
import { formatClock, formatDateTime, formatDuration, pluralCredits } from "~/lib/format";
import { settlementSummary, settlementTitle, type SettledJobFacts } from "~/lib/settlement-copy";
import { useNow } from "~/lib/use-now";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";

const activePollMs = 1_000;

/**
 * A job, live: React Query polls `jobs.get` every second while the job is
 * active and stops when it is terminal. Everything shown comes from the
 * server, so a reload mid-generation picks up exactly where it was.
 */
export function JobView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id }),
    // Poll while the job is active; stop when it is terminal — and when the
    // answer can never change (no such job, not yours): no retry either. A
    // server that cannot reach its database is retried until it can.
    retry: shouldRetryQuery,
    refetchInterval: (query) => {
      if (query.state.error && isFinalError(query.state.error)) return false;
      return query.state.data && !activeJobStatuses.has(query.state.data.status) ? false : activePollMs;
    },
  });
  useUnauthorizedRedirect(job.error);
  const status = job.data?.status;
  const lastStatus = useRef(status);
  useEffect(() => {
    // The balance changes when a job settles (refund): refresh it at once.
    if (lastStatus.current && status && lastStatus.current !== status) {
      void queryClient.invalidateQueries({ queryKey: trpc.credits.summary.queryKey() });
    }
    lastStatus.current = status;
  }, [status, queryClient, trpc]);

  // A failed poll keeps what it showed: only a job never loaded shows the error.
  if (job.error && !(job.data && isReconnectable(job.error))) return <JobError appCode={appErrorOf(job.error).appCode} />;
  if (!job.data) return <JobSkeleton />;
  const j = job.data;
  const model = catalog.data?.find((m) => m.id === j.modelId);
  const active = activeJobStatuses.has(j.status);
  const settled = j.outputsDone + j.outputsFailed;
  const byIndex = new Map(j.outputs.map((o) => [o.index, o]));

  return (
    <article className="flex flex-col gap-6" aria-labelledby="job-title">
      <div className="flex flex-col gap-3">
        <Link href="/jobs" className="flex w-fit items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
          <ArrowLeftIcon className="size-4" aria-hidden /> All jobs
        </Link>
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
          <div className="flex min-w-0 flex-col gap-2">
            <div className="flex items-center gap-2">
              <h1 id="job-title" className="text-2xl font-semibold tracking-tight">{model?.name ?? j.modelId}</h1>
              <span data-testid="job-status" data-status={j.status}><StatusBadge status={j.status} /></span>
            </div>
            <p className="break-words text-sm text-muted-foreground">“{j.prompt}”</p>
            <p className="text-xs text-muted-foreground">
              Submitted <time dateTime={new Date(j.createdAt).toISOString()}>{formatDateTime(j.createdAt)}</time>
            </p>
          </div>
          <div className="flex flex-wrap gap-2">
            {active ? <CancelJobButton jobId={j.id} pricePerOutput={j.pricePerOutput} outputsLeft={j.outputsRequested - j.outputsDone} /> : null}
            <RerunButton job={j} returnTo={`/jobs/${j.id}`} />
          </div>
        </div>
      </div>

      <Card>
        <CardContent className="flex flex-col gap-3 pt-5">
          <div className="flex items-center justify-between text-sm">
            <span className="font-medium">Progress</span>
            <span className="tabular-nums text-muted-foreground" data-testid="job-progress">
              {j.outputsDone} / {j.outputsRequested} outputs{j.outputsFailed > 0 ? ` · ${j.outputsFailed} failed` : ""}
            </span>
          </div>
          <Progress value={settled} max={j.outputsRequested} aria-label="Outputs finished" />
          <dl className="grid grid-cols-2 gap-3 pt-1 text-sm sm:grid-cols-4">
            <Fact label="Charged" value={pluralCredits(j.totalCost)} />
            <Fact label="Refunded" value={pluralCredits(j.refundedAmount)} testId="job-refunded" />
            <Fact label="Net cost" value={pluralCredits(j.totalCost - j.refundedAmount)} />
            <JobClock status={j.status} createdAt={j.createdAt} startedAt={j.startedAt} finishedAt={j.finishedAt} />
          </dl>
        </CardContent>
      </Card>

      <JobOutcome job={j} />

      <section aria-label="Outputs" className="flex flex-col gap-3">
        {j.outputsDone > 0 ? (
          <div className="flex justify-end">
            <Button asChild variant="outline" size="sm">
              <a href={`/api/jobs/${j.id}/outputs.zip`} download>
                <FileArchiveIcon aria-hidden /> Download all (.zip)
              </a>
            </Button>
          </div>
        ) : null}
        <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          {Array.from({ length: j.outputsRequested }, (_, index) => (
            <OutputCard key={index} jobId={j.id} index={index} output={byIndex.get(index)} kind={model?.kind ?? "text"} active={active} />
          ))}
        </ul>
      </section>
    </article>
  );
}

type Times = { status: string; createdAt: Date; startedAt: Date | null; finishedAt: Date | null };

const ms = (value: Date | string) => new Date(value).getTime();

/**
 * How long the job has been waiting or running, ticking every second while
 * it is active (from `createdAt` while queued, from `startedAt` once a
 * worker has it); how long it took once it is final. Measured against this
 * browser's clock, never below zero.
 */
function JobClock({ status, createdAt, startedAt, finishedAt }: Times) {
  const active = activeJobStatuses.has(status);
  const now = useNow(active);
  const since = status === "PENDING" || !startedAt ? createdAt : startedAt;
  if (!active) {
    const took = finishedAt ? formatDuration(ms(finishedAt) - ms(startedAt ?? createdAt)) : "—";
    return <Fact label="Took" value={took} testId="job-duration" />;
  }
  return <Fact label={status === "PENDING" ? "Waiting" : "Elapsed"} value={formatClock(now - ms(since))} testId="job-elapsed" />;
}

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="font-medium tabular-nums" data-testid={testId}>{value}</dd>
    </div>
  );
}

function JobOutcome({ job }: { job: SettledJobFacts & { errorMessage: string | null } }) {
  const { status, refundedAmount: refunded, errorMessage } = job;
  if (status === "COMPLETED" && refunded === 0) {
    return (
      <Alert variant="success"><CheckCircle2Icon aria-hidden /><div><AlertTitle>All outputs delivered</AlertTitle></div></Alert>
    );
  }
  if (activeJobStatuses.has(status)) return null;
  return (
    <Alert variant={status === "FAILED" ? "destructive" : "info"} role="status">
      {status === "COMPLETED" ? <CheckCircle2Icon aria-hidden /> : <XCircleIcon aria-hidden />}
      <div className="flex flex-1 flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
        <div className="min-w-0">
          <AlertTitle>{settlementTitle(status)}</AlertTitle>
          <AlertDescription>
            <span data-testid="job-refund">{settlementSummary(job)}</span>
            {errorMessage && status === "FAILED" ? ` — ${errorMessage}` : "."}
          </AlertDescription>
        </div>
        <Button asChild variant="outline" size="sm" className="self-start sm:self-auto">
          <Link href="/statement"><ReceiptTextIcon aria-hidden /> View statement</Link>
        </Button>
      </div>
    </Alert>
  );
}

function JobError({ appCode }: { appCode?: string }) {
  const notFound = appCode === "NOT_FOUND" || appCode === "VALIDATION_ERROR";
  return (
    <EmptyState
      headingLevel={1}
      title={notFound ? "Job not found" : appCode === "FORBIDDEN" ? "Not yours" : "Could not load this job"}
      description={notFound ? "It does not exist, or it belongs to another account." : "Please try again in a moment."}
      action={<Button asChild><Link href="/jobs">Back to jobs</Link></Button>}
    />
  );
}

function JobSkeleton() {
  return (
    <div className="flex flex-col gap-6" aria-busy="true" aria-label="Loading the job">
      <Skeleton className="h-16 w-2/3" />
      <Skeleton className="h-32" />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2"><Skeleton className="h-56" /><Skeleton className="h-56" /></div>
    </div>
  );
}
