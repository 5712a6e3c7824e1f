"use client";

import { useQuery } from "@tanstack/react-query";
import { CheckCircle2Icon, RefreshCwIcon, XCircleIcon } from "lucide-react";
import Link from "next/link";

import { PageHeader } from "~/components/page-header";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatDateTime } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

/**
 * Runs the SPEC §3 checks live (the same code as `npm run integrity`) over
 * the whole database, or over one job or one user when linked from them.
 */
export function IntegrityView({ jobId, userId }: { jobId?: string; userId?: string }) {
  const trpc = useTRPC();
  const report = useQuery({ ...trpc.admin.integrity.queryOptions({ jobId, userId }), staleTime: 0, gcTime: 0 });
  const scope = jobId ? `job ${jobId}` : userId ? `user ${userId}` : "the whole database";
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Integrity"
        description={<>The invariants of the credit system, checked now over {scope}. {jobId || userId ? <Link className="underline" href="/admin/integrity">Check everything</Link> : null}</>}
        actions={
          <Button variant="outline" size="sm" onClick={() => void report.refetch()} disabled={report.isFetching}>
            <RefreshCwIcon aria-hidden className={report.isFetching ? "animate-spin" : undefined} /> Run again
          </Button>
        }
      />
      {report.error ? (
        <Alert variant="destructive">
          <AlertTitle>The checks could not run</AlertTitle>
          <AlertDescription>{report.error.message}</AlertDescription>
        </Alert>
      ) : null}
      {!report.data ? <Skeleton className="h-96" /> : (
        <>
          <Alert variant={report.data.ok ? "success" : "destructive"} data-testid="integrity-summary">
            {report.data.ok ? <CheckCircle2Icon aria-hidden /> : <XCircleIcon aria-hidden />}
            <div>
              <AlertTitle>{report.data.ok ? `Healthy: every check passed for ${scope}` : `Violations found in ${scope}`}</AlertTitle>
              <AlertDescription>
                {report.data.checks.length} checks in {report.data.durationMs} ms, at {formatDateTime(report.data.checkedAt)}.
              </AlertDescription>
            </div>
          </Alert>
          <ul className="flex flex-col gap-3" aria-label="Checks">
            {report.data.checks.map((check) => (
              <li key={check.id}>
                <Card>
                  <CardHeader className="flex-row items-start justify-between gap-3">
                    <div className="flex flex-col gap-1">
                      <CardTitle as="h2">{check.title}</CardTitle>
                      <CardDescription>{check.invariant} · <span className="font-mono text-xs">{check.id}</span> · {check.durationMs} ms</CardDescription>
                    </div>
                    {check.violationCount === 0
                      ? <Badge variant="success">Pass</Badge>
                      : <Badge variant="destructive">{check.violationCount} violation{check.violationCount === 1 ? "" : "s"}</Badge>}
                  </CardHeader>
                  {check.violations.length > 0 ? (
                    <CardContent>
                      <Table aria-label={`Violations: ${check.title}`}>
                        <TableHeader>
                          <TableRow><TableHead>User</TableHead><TableHead>Job</TableHead><TableHead>Entry</TableHead><TableHead>What is wrong</TableHead></TableRow>
                        </TableHeader>
                        <TableBody>
                          {check.violations.map((violation, index) => (
                            <TableRow key={`${check.id}-${index}`}>
                              <TableCell className="font-mono text-xs">
                                {violation.workspaceId ? <Link className="underline" href={`/admin/users/${violation.workspaceId}`}>{violation.workspaceId.slice(0, 8)}</Link> : "—"}
                              </TableCell>
                              <TableCell className="font-mono text-xs">
                                {violation.jobId ? <Link className="underline" href={`/admin/jobs/${violation.jobId}`}>{violation.jobId.slice(0, 8)}</Link> : "—"}
                              </TableCell>
                              <TableCell className="font-mono text-xs">{violation.entryId ?? "—"}</TableCell>
                              <TableCell>{violation.message}</TableCell>
                            </TableRow>
                          ))}
                        </TableBody>
                      </Table>
                      {check.violationCount > check.violations.length ? (
                        <p className="mt-2 text-sm text-muted-foreground">… and {check.violationCount - check.violations.length} more (run <code>npm run integrity -- --json</code> for all).</p>
                      ) : null}
                    </CardContent>
                  ) : null}
                </Card>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
