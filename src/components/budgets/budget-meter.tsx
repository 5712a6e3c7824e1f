"use client";

import { Progress } from "~/components/ui/progress";
import { formatResetsAt } from "~/lib/budget-copy";
import { formatCredits, pluralCredits } from "~/lib/format";
import { useHydrated } from "~/lib/use-hydrated";

export type MeteredBudget = {
  period: "MONTH" | "TOTAL";
  limitCredits: number;
  spentCredits: number;
  remainingCredits: number;
  timeZone: string;
  resetsAt: Date | string | null;
};

/**
 * What a budget has spent this period: a progress bar (role=progressbar,
 * named by `label`, its value told in words) and the same numbers in text,
 * what is left and when it resets, in the reader's locale and the budget's
 * own time zone (its months are that zone's).
 */
export function BudgetMeter({ budget, label }: { budget: MeteredBudget; label: string }) {
  const hydrated = useHydrated();
  const { limitCredits: limit, spentCredits: spent } = budget;
  // A limit of 0 is a budget used up from the start: a full bar (a progress bar needs max > 0).
  const max = Math.max(limit, 1);
  const value = limit === 0 ? 1 : Math.min(spent, limit);
  const spentText = `${formatCredits(spent)} of ${pluralCredits(limit)} spent`;
  // The reader's locale is known only in the browser: the server renders en-US, the browser its own after hydration.
  const resets = formatResetsAt(budget.resetsAt, budget.timeZone, hydrated ? undefined : "en-US");
  const usedUp = budget.remainingCredits === 0;
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 text-sm">
        <span className="font-medium tabular-nums">{spentText}</span>
        <span className={usedUp ? "font-medium text-destructive" : "text-muted-foreground"}>
          {pluralCredits(budget.remainingCredits)} left
        </span>
      </div>
      <Progress
        value={value}
        max={max}
        aria-label={label}
        getValueLabel={() => spentText}
        className={usedUp ? "[&>div]:bg-destructive" : spent / max >= 0.8 ? "[&>div]:bg-amber-500" : undefined}
      />
      <p className="text-xs text-muted-foreground">
        {budget.period === "MONTH" ? (
          <>Resets on <time dateTime={new Date(budget.resetsAt ?? 0).toISOString()}>{resets}</time></>
        ) : (
          "A total budget never resets."
        )}
      </p>
    </div>
  );
}
