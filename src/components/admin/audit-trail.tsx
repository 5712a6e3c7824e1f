"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { AuditList } from "~/components/admin/audit-list";
import { PageHeader } from "~/components/page-header";
import { Card } from "~/components/ui/card";
import { Label } from "~/components/ui/label";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { useTRPC } from "~/trpc/react";

const pageSize = 30;
const actions = ["credits.grant", "credits.deduct", "job.force-fail"];

/** Every admin action, newest first: who, what, when, before and after. */
export function AuditTrail() {
  const trpc = useTRPC();
  const [action, setAction] = useState("");
  const pages = useCursorPages();
  const audit = useQuery(trpc.admin.audit.queryOptions({ action: action || undefined, cursor: pages.cursor, limit: pageSize }));
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Audit trail" description="Every admin action, with the state before and after. Append-only." />
      <div className="flex max-w-xs flex-col gap-1.5">
        <Label htmlFor="audit-action">Action</Label>
        <select
          id="audit-action"
          className="h-9 rounded-md border border-input bg-card px-2 text-sm shadow-sm"
          value={action}
          onChange={(event) => {
            setAction(event.target.value);
            pages.reset();
          }}
        >
          <option value="">All actions</option>
          {actions.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      </div>
      <Card><AuditList rows={audit.data?.items ?? []} loading={!audit.data && !audit.error} /></Card>
      <Pagination
        label="Audit pages"
        page={pages.page}
        hasPrevious={pages.hasPrevious}
        hasNext={Boolean(audit.data?.nextCursor)}
        onPrevious={pages.previous}
        onNext={() => pages.next(audit.data?.nextCursor)}
      />
    </div>
  );
}
