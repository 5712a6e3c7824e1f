"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { AuditList } from "~/components/admin/audit-list";
import { ForceFailDialog } from "~/components/admin/force-fail-dialog";
import { LedgerTable } from "~/components/admin/ledger-table";
import { StatusBadge } from "~/components/jobs/status-badge";
import { PageHeader } from "~/components/page-header";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

const activeRefreshMs = 2_000;
const timeFormat = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3 });

/** One job explained: facts, timeline, outputs, ledger entries, admin actions; force-fail while active. */
export function AdminJobDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery({
    ...trpc.admin.job.queryOptions({ id }),
    refetchInterval: (query) => (["PENDING", "PROCESSING"].includes(query.state.data?.job.status ?? "") ? activeRefreshMs : false),
  });
  if (detail.error) {
    return (
      <Alert variant="destructive">
        <AlertTitle>{detail.error.data?.appCode === "NOT_FOUND" ? "No such job" : "The job could not be loaded"}</AlertTitle>
        <AlertDescription>{detail.error.message}</AlertDescription>
      </Alert>
    );
  }
  if (!detail.data) return <Skeleton className="h-96" />;
  const { job, events, outputs, ledger, audit } = detail.data;
  const active = job.status === "PENDING" || job.status === "PROCESSING";
  const facts: [string, React.ReactNode][] = [
    ["User", <Link key="user" className="underline" href={`/admin/users/${job.actor.id}`}>{job.actor.email}</Link>],
    ["Model", job.modelId],
    ["Outputs", `${job.outputsDone} done, ${job.outputsFailed} failed of ${job.outputsRequested}`],
    ["Cost", `${formatCredits(job.totalCost)} credits (${job.pricePerOutput} per output)`],
    ["Refunded", `${formatCredits(job.refundedAmount)} credits`],
    ["Attempts", job.attempts],
    ["Lease", job.leaseOwner ? `${job.leaseOwner} until ${formatDateTime(job.leaseExpiresAt!)}` : "—"],
    ["Last heartbeat", job.heartbeatAt ? formatDateTime(job.heartbeatAt) : "—"],
    ["Deadline", formatDateTime(job.deadlineAt)],
    ["Created / finished", `${formatDateTime(job.createdAt)} / ${job.finishedAt ? formatDateTime(job.finishedAt) : "—"}`],
    ["Error", job.errorCode ? `${job.errorCode}: ${job.errorMessage ?? ""}` : "—"],
    ["Idempotency key", <span key="key" className="break-all font-mono text-xs">{job.idempotencyKey}</span>],
  ];
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title={`Job ${job.id.slice(0, 8)}`}
        description={<span className="font-mono text-xs">{job.id}</span>}
        actions={
          <>
            <StatusBadge status={job.status} />
            <Button asChild variant="outline" size="sm"><Link href={`/admin/integrity?jobId=${job.id}`}>Check integrity</Link></Button>
            {active ? (
              <ForceFailDialog
                jobId={job.id}
                totalCost={job.totalCost}
                undeliveredCost={(job.outputsRequested - job.outputsDone) * job.pricePerOutput}
              />
            ) : null}
          </>
        }
      />
      <Card>
        <CardContent className="pt-5">
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 sm:grid-cols-2">
            {facts.map(([label, value]) => (
              <div key={label} className="flex flex-col gap-0.5">
                <dt className="text-xs font-medium uppercase tracking-wide text-muted-foreground">{label}</dt>
                <dd className="min-w-0 break-words text-sm">{value}</dd>
              </div>
            ))}
            <div className="flex flex-col gap-0.5 sm:col-span-2">
              <dt className="text-xs font-medium uppercase tracking-wide text-muted-foreground">Prompt</dt>
              <dd className="whitespace-pre-wrap break-words text-sm">{job.prompt}</dd>
            </div>
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Timeline</CardTitle></CardHeader>
        <CardContent>
          <ol aria-label="Timeline" className="flex flex-col gap-2 border-l pl-4">
            {events.map((event) => (
              <li key={event.id} className="min-w-0 break-words text-sm">
                <span className="tabular-nums text-muted-foreground">{timeFormat.format(new Date(event.createdAt))}</span>{" "}
                <span className="font-medium">{event.type.replaceAll("_", " ")}</span>
                {event.workerId ? <span className="text-muted-foreground"> · worker {event.workerId}</span> : null}
                {event.data ? <span className="ml-1 break-all font-mono text-xs text-muted-foreground">{JSON.stringify(event.data)}</span> : null}
              </li>
            ))}
          </ol>
        </CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Outputs</CardTitle></CardHeader>
        <CardContent>
          <Table aria-label="Outputs">
            <TableHeader>
              <TableRow>
                <TableHead>#</TableHead><TableHead>Status</TableHead><TableHead>Type</TableHead><TableHead>Worker</TableHead><TableHead>Written</TableHead><TableHead>Error</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {outputs.map((output) => (
                <TableRow key={output.index}>
                  <TableCell>{output.index + 1}</TableCell>
                  <TableCell>{output.status.toLowerCase()}</TableCell>
                  <TableCell className="text-xs">{output.mimeType}</TableCell>
                  <TableCell className="text-xs">{output.workerId ?? "—"}</TableCell>
                  <TableCell className="whitespace-nowrap">{formatDateTime(output.createdAt)}</TableCell>
                  <TableCell className="text-xs">{output.error ?? "—"}</TableCell>
                </TableRow>
              ))}
              {outputs.length === 0 ? (
                <TableRow><TableCell colSpan={6} className="py-6 text-center text-muted-foreground">No outputs yet.</TableCell></TableRow>
              ) : null}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Ledger entries</CardTitle></CardHeader>
        <CardContent><LedgerTable rows={ledger} show="user" /></CardContent>
      </Card>
      <Card>
        <CardHeader><CardTitle>Admin actions</CardTitle></CardHeader>
        <CardContent><AuditList rows={audit} /></CardContent>
      </Card>
    </div>
  );
}
