"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { AuditList } from "~/components/admin/audit-list";
import { PageHeader } from "~/components/page-header";
import { Card } from "~/components/ui/card";
import { Label } from "~/components/ui/label";
import { Pagination, useCursorPages } from "~/components/ui/pagination";
import { auditActionOf, auditActions } from "~/shared/schemas/admin";
import { useTRPC } from "~/trpc/react";

const pageSize = 30;

/**
 * Every admin action, newest first: who, what, when, before and after. The
 * Action filter lives in the URL (`?action=`), so a filtered trail is a link.
 */
export function AuditTrail({ initialAction }: { initialAction: string }) {
  const trpc = useTRPC();
  const [action, setAction] = useState(initialAction);
  const pages = useCursorPages();
  const audit = useQuery(trpc.admin.audit.queryOptions({ action: auditActionOf(action), cursor: pages.cursor, limit: pageSize }));
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
            const chosen = event.target.value;
            setAction(chosen);
            pages.reset();
            // Next.js keeps its router in step with the History API.
            window.history.replaceState(null, "", chosen ? `?action=${encodeURIComponent(chosen)}` : window.location.pathname);
          }}
        >
          <option value="">All actions</option>
          {auditActions.map((name) => <option key={name} value={name}>{name}</option>)}
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
