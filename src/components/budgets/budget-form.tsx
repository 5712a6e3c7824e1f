"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Button } from "~/components/ui/button";
import { FieldError, Label } from "~/components/ui/label";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formText } from "~/lib/form-text";
import { budgetLimitMax, setBudgetInput, type BudgetPeriod } from "~/shared/schemas/budgets";
import { useTRPC } from "~/trpc/react";

/** Which budget the form sets: the account's (the team's), one key's, or one member's (a team's). */
export type BudgetTarget = { scope: "ACCOUNT" } | { scope: "API_KEY"; apiKeyId: string } | { scope: "MEMBER"; memberUserId: string };

/** The budget as it is now, when the form edits one. */
export type CurrentBudget = { limitCredits: number; period: BudgetPeriod; timeZone: string };

const periodChoices: { value: BudgetPeriod; label: string; help: string }[] = [
  { value: "MONTH", label: "Monthly", help: "Starts again at midnight on the 1st of each month, in the time zone below." },
  { value: "TOTAL", label: "Total", help: "One limit for ever: it never resets." },
];

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every zone this browser knows, with the ones the form may preselect even if the list lacks them. */
function timeZoneChoices(...always: string[]): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([...known, "UTC", ...always])].sort();
}

/**
 * Sets a budget: its limit in credits, monthly or total, and the time zone
 * whose months it counts (the browser's by default). The same schema as
 * the server checks the input first; the server's answers land on their
 * fields (a limit below this period's spending on the limit).
 */
export function BudgetForm({ formId, target, current, onDone }: {
  /** Distinct per form on the page (the fields' ids start with it). */
  formId: string;
  target: BudgetTarget;
  current: CurrentBudget | null;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const defaultZone = useMemo(() => current?.timeZone ?? browserTimeZone(), [current]);
  const zones = useMemo(() => timeZoneChoices(defaultZone), [defaultZone]);
  const [period, setPeriod] = useState<BudgetPeriod>(current?.period ?? "MONTH");
  const [timeZone, setTimeZone] = useState(defaultZone);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const set = useMutation(trpc.budgets.set.mutationOptions({
    onSuccess: () => {
      toast.success("Budget saved");
      onDone();
    },
    onError: (error) => {
      const { appCode, fieldErrors } = appErrorOf(error);
      if (appCode === "VALIDATION_ERROR" && fieldErrors) setErrors(fieldErrors);
      else if (appCode === "NOT_FOUND") toast.error(target.scope === "MEMBER" ? "This person is no longer a member of the team." : "This key was revoked or no longer exists.");
      else toast.error("Could not save the budget. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.budgets.list.queryKey() }),
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = formText(new FormData(event.currentTarget), `${formId}-limit`).trim();
    const input = { ...target, period, timeZone, limitCredits: /^\d+$/.test(text) ? Number(text) : Number.NaN };
    const parsed = setBudgetInput.safeParse(input);
    if (!parsed.success) {
      const local: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (local[String(issue.path[0] ?? "_")] ??= []).push(issue.message);
      setErrors(local);
      return;
    }
    setErrors({});
    set.mutate(parsed.data);
  }

  // Moving to another period or zone ends this budget and starts a new one (cw_set_budget).
  const startsOver = current !== null && (current.period !== period || (period === "MONTH" && current.timeZone !== timeZone));
  return (
    <form className="flex flex-col gap-5" onSubmit={onSubmit} noValidate aria-label={current ? "Edit budget" : "New budget"}>
      <FormField
        id={`${formId}-limit`}
        label="Limit in credits"
        type="number"
        inputMode="numeric"
        min={0}
        max={budgetLimitMax}
        step={1}
        required
        defaultValue={current?.limitCredits}
        // The form replaces the button that opened it: focus moves into it rather than to the page's start.
        autoFocus
        className="max-w-48"
        error={errors.limitCredits?.[0]}
        hint="New jobs that would take the spending past it are refused. 0 stops all spending."
      />
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium">Period</legend>
        {periodChoices.map((choice) => (
          <div key={choice.value} className="flex items-start gap-3">
            <input
              id={`${formId}-period-${choice.value}`}
              type="radio"
              name={`${formId}-period`}
              checked={period === choice.value}
              onChange={() => setPeriod(choice.value)}
              className="mt-0.5 size-4 shrink-0 accent-primary"
              aria-describedby={`${formId}-period-${choice.value}-help`}
            />
            <div className="flex min-w-0 flex-col gap-1">
              <Label htmlFor={`${formId}-period-${choice.value}`}>{choice.label}</Label>
              <p id={`${formId}-period-${choice.value}-help`} className="text-xs text-muted-foreground">{choice.help}</p>
            </div>
          </div>
        ))}
        {errors.period?.[0] ? <FieldError>{errors.period[0]}</FieldError> : null}
      </fieldset>
      {period === "MONTH" ? (
        <div className="flex flex-col gap-2">
          <Label htmlFor={`${formId}-zone`}>Time zone</Label>
          <select
            id={`${formId}-zone`}
            value={timeZone}
            onChange={(event) => setTimeZone(event.target.value)}
            aria-invalid={!!errors.timeZone || undefined}
            aria-describedby={errors.timeZone ? `${formId}-zone-error` : undefined}
            className="h-9 w-full max-w-full rounded-md border bg-background px-3 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring sm:max-w-80"
          >
            {zones.map((zone) => <option key={zone} value={zone}>{zone.replaceAll("_", " ")}</option>)}
          </select>
          {errors.timeZone?.[0] ? <FieldError id={`${formId}-zone-error`}>{errors.timeZone[0]}</FieldError> : null}
        </div>
      ) : null}
      {startsOver ? (
        <p className="text-xs text-amber-800 dark:text-amber-300">
          A new period or time zone starts a new budget: its spending starts again from 0.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={set.isPending}>{set.isPending ? "Saving…" : "Save budget"}</Button>
        <Button type="button" variant="ghost" onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}
