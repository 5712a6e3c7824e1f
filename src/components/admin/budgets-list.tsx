import type { inferRouterOutputs } from "@trpc/server";

import { Badge } from "~/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";
import type { AppRouter } from "~/server/trpc/root";

type AdminUser = inferRouterOutputs<AppRouter>["admin"]["user"];
/** A user's budget as `admin.user` returns it. */
export type BudgetListRow = AdminUser["budgets"][number];
/** One change of a user's budgets as `admin.user` returns it. */
export type BudgetChangeRow = AdminUser["budgetChanges"][number];

function periodOf(row: Pick<BudgetListRow, "period" | "timeZone">): string {
  return row.period === "MONTH" ? `Monthly (${row.timeZone})` : "Total";
}

/** A user's budgets for an admin (SPEC §9): what each limits, its limit, and what is spent of it this period. */
export function BudgetsList({ rows }: { rows: BudgetListRow[] }) {
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">No budgets: this account spends up to its balance.</p>;
  return (
    <Table aria-label="Budgets">
      <TableHeader>
        <TableRow>
          <TableHead>Budget</TableHead>
          <TableHead>Limits</TableHead>
          <TableHead>Period</TableHead>
          <TableHead className="text-right">Limit</TableHead>
          <TableHead className="text-right">Spent this period</TableHead>
          <TableHead>Resets</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap font-mono text-xs">
              #{row.id} {row.removedAt ? <Badge variant="outline">Removed {formatDateTime(row.removedAt)}</Badge> : null}
            </TableCell>
            <TableCell className="break-words">
              {row.apiKey ? (
                <>API key {row.apiKey.name} <span className="font-mono text-xs">{row.apiKey.prefix}</span>{row.apiKey.revokedAt ? " (revoked)" : ""}</>
              ) : "The whole account"}
            </TableCell>
            <TableCell className="whitespace-nowrap">{periodOf(row)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCredits(row.limitCredits)}</TableCell>
            <TableCell className="text-right tabular-nums">
              {formatCredits(row.spentCredits)}
              {row.limitCredits > 0 ? <span className="text-muted-foreground"> ({Math.floor((row.spentCredits * 100) / row.limitCredits)} %)</span> : null}
            </TableCell>
            <TableCell className="whitespace-nowrap">{row.resetsAt ? formatDateTime(row.resetsAt) : "Never"}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** "limit 10 · MONTH · UTC" from a budget_change snapshot ({ limitCredits, period, timeZone }). */
function snapshotOf(value: unknown): string {
  if (!value || typeof value !== "object") return "—";
  const { limitCredits, period, timeZone } = value as { limitCredits?: unknown; period?: unknown; timeZone?: unknown };
  return [
    typeof limitCredits === "number" ? `limit ${formatCredits(limitCredits)}` : null,
    typeof period === "string" ? period.toLowerCase() : null,
    typeof timeZone === "string" && period === "MONTH" ? timeZone : null,
  ].filter(Boolean).join(" · ") || "—";
}

/** Every change of a user's budgets: who, when, which budget, before → after. */
export function BudgetChangesList({ rows }: { rows: BudgetChangeRow[] }) {
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">No budget was ever set on this account.</p>;
  return (
    <Table aria-label="Budget changes">
      <TableHeader>
        <TableRow>
          <TableHead>When</TableHead>
          <TableHead>Who</TableHead>
          <TableHead>Budget</TableHead>
          <TableHead>Change</TableHead>
          <TableHead>Before → after</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.id}>
            <TableCell className="whitespace-nowrap">{formatDateTime(row.createdAt)}</TableCell>
            <TableCell className="break-all text-xs">{row.actorEmail ?? row.actorUserId}</TableCell>
            <TableCell className="font-mono text-xs">#{row.budgetId}</TableCell>
            <TableCell><Badge variant="outline">{row.action}</Badge></TableCell>
            <TableCell className="break-words">{snapshotOf(row.before)} → {snapshotOf(row.after)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
