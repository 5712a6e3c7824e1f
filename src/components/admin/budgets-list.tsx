import type { inferRouterOutputs } from "@trpc/server";

import { Badge } from "~/components/ui/badge";
import { Progress } from "~/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { formatCredits, formatDateTime } from "~/lib/format";
import { cn } from "~/lib/utils";
import type { AppRouter } from "~/server/trpc/root";

type AdminUser = inferRouterOutputs<AppRouter>["admin"]["user"];
/** An account's budget as `admin.user` and `admin.workspace` return it. */
export type BudgetListRow = AdminUser["budgets"][number];
/** One change of an account's budgets as `admin.user` and `admin.workspace` return it. */
export type BudgetChangeRow = AdminUser["budgetChanges"][number];

function periodOf(row: Pick<BudgetListRow, "period" | "timeZone">): string {
  return row.period === "MONTH" ? `Monthly (${row.timeZone})` : "Total";
}

/** The name of a budget's bar: "Spent of the whole account's budget", of "ann@…'s budget", of "API key nightly's budget". */
function barLabelOf(row: BudgetListRow): string {
  if (row.member) return `Spent of ${row.member.email}'s budget`;
  if (row.apiKey) return `Spent of API key ${row.apiKey.name}'s budget`;
  return "Spent of the whole account's budget";
}

/**
 * What a live budget has spent this period as a bar, coloured as the
 * budgets page's meter colours it (BudgetMeter): amber from 80 %, red when
 * used up. A limit of 0 is used up from the start: a full bar.
 */
function SpentBar({ row }: { row: BudgetListRow }) {
  const max = Math.max(row.limitCredits, 1);
  const value = row.limitCredits === 0 ? 1 : Math.min(row.spentCredits, row.limitCredits);
  const usedUp = row.spentCredits >= row.limitCredits;
  return (
    <Progress
      value={value}
      max={max}
      aria-label={barLabelOf(row)}
      getValueLabel={() => `${formatCredits(row.spentCredits)} of ${formatCredits(row.limitCredits)} credits spent`}
      className={cn("mt-1.5", usedUp ? "[&>div]:bg-destructive" : row.spentCredits / max >= 0.8 ? "[&>div]:bg-amber-500" : undefined)}
    />
  );
}

/** An account's budgets for an admin (SPEC §9): what each limits, its limit, and what is spent of it this period, with a bar. */
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
              ) : row.member ? (
                <>Member <span className="break-all">{row.member.email}</span></>
              ) : "The whole account"}
            </TableCell>
            <TableCell className="whitespace-nowrap">{periodOf(row)}</TableCell>
            <TableCell className="text-right tabular-nums">{formatCredits(row.limitCredits)}</TableCell>
            <TableCell className="min-w-32 text-right tabular-nums">
              {formatCredits(row.spentCredits)}
              {row.limitCredits > 0 ? <span className="text-muted-foreground"> ({Math.floor((row.spentCredits * 100) / row.limitCredits)} %)</span> : null}
              {row.removedAt ? null : <SpentBar row={row} />}
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

/** Every change of an account's budgets: who, when, which budget, before → after. */
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
            <TableCell className="min-w-44 break-all text-xs">{row.actorEmail ?? row.actorUserId}</TableCell>
            <TableCell className="font-mono text-xs">#{row.budgetId}</TableCell>
            <TableCell><Badge variant="outline">{row.action}</Badge></TableCell>
            <TableCell className="break-words">{snapshotOf(row.before)} → {snapshotOf(row.after)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
