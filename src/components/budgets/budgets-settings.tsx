"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { GaugeIcon, KeyRoundIcon, UserIcon } from "lucide-react";
import Link from "next/link";
import { useState } from "react";

import { BudgetForm, type BudgetTarget } from "~/components/budgets/budget-form";
import { BudgetMeter } from "~/components/budgets/budget-meter";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription,
  AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import type { AppRouter } from "~/server/trpc/root";
import { useTRPC } from "~/trpc/react";
import { useActiveWorkspace } from "~/components/workspaces/use-workspace";

type BudgetsPage = inferRouterOutputs<AppRouter>["budgets"]["list"];
type Budget = NonNullable<BudgetsPage["account"]>;
type Key = BudgetsPage["keysWithoutBudget"][number];

/**
 * The budgets page (SPEC §9): the account's budget (a team's: the whole
 * team's, then one per member), each API key's, and the keys that have none.
 */
export function BudgetsSettings() {
  const trpc = useTRPC();
  const budgets = useQuery(trpc.budgets.list.queryOptions());
  const workspace = useActiveWorkspace().data;
  useUnauthorizedRedirect(budgets.error);
  if (!budgets.data || !workspace) return <Skeleton className="h-48 max-w-3xl" />;
  const team = workspace.kind === "TEAM";
  return (
    <div className="flex max-w-3xl flex-col gap-6">
      <AccountBudget budget={budgets.data.account} team={team} />
      {team ? <MemberBudgets budgets={budgets.data.members} /> : null}
      <KeyBudgets budgets={budgets.data.keys} keysWithoutBudget={budgets.data.keysWithoutBudget} team={team} />
    </div>
  );
}

function AccountBudget({ budget, team }: { budget: Budget | null; team: boolean }) {
  const [editing, setEditing] = useState(false);
  const whose = team ? "the team's budget" : "the account's budget";
  return (
    <Card role="region" aria-labelledby="account-budget-title">
      <CardHeader>
        <CardTitle id="account-budget-title">{team ? "Whole team" : "Whole account"}</CardTitle>
        <CardDescription>
          {team ? "Every member's jobs count against it, made in the browser or with an API key." : "Every job counts against it, made in the browser or with an API key."}
        </CardDescription>
      </CardHeader>
      <CardContent>
        {editing ? (
          <BudgetForm formId="account" target={{ scope: "ACCOUNT" }} current={budget} onDone={() => setEditing(false)} />
        ) : budget ? (
          <BudgetItem budget={budget} name={whose} onEdit={() => setEditing(true)} />
        ) : (
          <EmptyState
            icon={<GaugeIcon aria-hidden />}
            title={team ? "No budget on the team" : "No budget on the account"}
            description={
              <>
                A budget caps what the account can spend in a month, or in total. Jobs that would go past it are refused,
                charging nothing, until it resets or you raise it: a runaway script cannot spend more than the limit you set.
                Your balance and credits are not touched.
              </>
            }
            action={<Button onClick={() => setEditing(true)}><GaugeIcon aria-hidden /> Set a budget</Button>}
          />
        )}
      </CardContent>
    </Card>
  );
}

/** A team's members, each with their own budget or the offer of one (scope MEMBER: what that member may spend). */
function MemberBudgets({ budgets }: { budgets: Budget[] }) {
  const trpc = useTRPC();
  const members = useQuery(trpc.workspaces.members.queryOptions());
  return (
    <Card role="region" aria-labelledby="member-budgets-title">
      <CardHeader>
        <CardTitle id="member-budgets-title">Members</CardTitle>
        <CardDescription>
          A member&apos;s budget limits what that person spends from the team&apos;s wallet, on top of the team&apos;s.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {!members.data ? (
          <Skeleton className="h-24" />
        ) : (
          <ul className="flex flex-col divide-y rounded-md border" aria-label="Member budgets">
            {members.data.map((member) => (
              <MemberRow key={member.userId} member={member} budget={budgets.find((budget) => budget.memberUserId === member.userId) ?? null} />
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function MemberRow({ member, budget }: { member: { userId: string; name: string; email: string }; budget: Budget | null }) {
  const [editing, setEditing] = useState(false);
  const name = `${member.name}'s budget`;
  return (
    <li className="flex flex-col gap-3 p-3" data-testid="member-budget-row">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm">
        <UserIcon aria-hidden className="size-4 text-muted-foreground" />
        <span className="break-all font-medium">{member.name}</span>
        <span className="break-all text-xs text-muted-foreground">{member.email}</span>
      </div>
      {editing ? (
        <BudgetForm formId={`member-${member.userId}`} target={{ scope: "MEMBER", memberUserId: member.userId }} current={budget} onDone={() => setEditing(false)} />
      ) : budget ? (
        <BudgetItem budget={budget} name={name} onEdit={() => setEditing(true)} />
      ) : (
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-muted-foreground">No budget: only the team&apos;s applies.</p>
          <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
            Add a budget<span className="sr-only"> for {member.name}</span>
          </Button>
        </div>
      )}
    </li>
  );
}

function KeyBudgets({ budgets, keysWithoutBudget, team = false }: { budgets: Budget[]; keysWithoutBudget: Key[]; team?: boolean }) {
  const none = budgets.length === 0 && keysWithoutBudget.length === 0;
  return (
    <Card role="region" aria-labelledby="key-budgets-title">
      <CardHeader>
        <CardTitle id="key-budgets-title">API keys</CardTitle>
        <CardDescription>
          A key&apos;s budget limits the jobs created with that key, on top of the {team ? "team" : "account"}&apos;s: give a script its own allowance.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {none ? (
          <p className="text-sm text-muted-foreground">
            You have no API keys. <Link className="underline underline-offset-2" href="/settings/api-keys">Create one</Link> to give
            it a budget.
          </p>
        ) : (
          <ul className="flex flex-col divide-y rounded-md border" aria-label="API key budgets">
            {budgets.map((budget) => budget.apiKey ? <KeyRow key={budget.id} apiKey={budget.apiKey} budget={budget} /> : null)}
            {keysWithoutBudget.map((key) => <KeyRow key={key.id} apiKey={key} budget={null} />)}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function KeyRow({ apiKey, budget }: { apiKey: Key; budget: Budget | null }) {
  const [editing, setEditing] = useState(false);
  const target: BudgetTarget = { scope: "API_KEY", apiKeyId: apiKey.id };
  return (
    <li className="flex flex-col gap-3 p-3" data-testid="key-budget-row">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm">
        <KeyRoundIcon aria-hidden className="size-4 text-muted-foreground" />
        <span className="break-all font-medium">{apiKey.name}</span>
        <span className="break-all font-mono text-xs text-muted-foreground">{apiKey.prefix}_…</span>
        {apiKey.revoked ? <Badge variant="destructive">Revoked</Badge> : null}
      </div>
      {editing ? (
        <BudgetForm formId={`key-${apiKey.id}`} target={target} current={budget} onDone={() => setEditing(false)} />
      ) : budget ? (
        <BudgetItem budget={budget} name={`the budget of “${apiKey.name}”`} onEdit={apiKey.revoked ? null : () => setEditing(true)} />
      ) : (
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-muted-foreground">No budget: only the account&apos;s applies.</p>
          <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
            Add a budget<span className="sr-only"> to “{apiKey.name}”</span>
          </Button>
        </div>
      )}
    </li>
  );
}

/** A budget's meter with its actions; `onEdit` null for a revoked key's budget, which can only be removed. */
function BudgetItem({ budget, name, onEdit }: { budget: Budget; name: string; onEdit: (() => void) | null }) {
  const period = budget.period === "MONTH" ? "Monthly" : "Total";
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm">
        <span className="font-medium">{period} limit:</span> <span className="tabular-nums">{budget.limitCredits.toLocaleString("en-US")}</span> credits
        {budget.period === "MONTH" ? <span className="text-muted-foreground"> · {budget.timeZone.replaceAll("_", " ")}</span> : null}
      </p>
      <BudgetMeter budget={budget} label={`Spent of ${name}`} />
      <div className="flex flex-wrap gap-2">
        {onEdit ? (
          <Button variant="outline" size="sm" onClick={onEdit}>
            Edit<span className="sr-only"> {name}</span>
          </Button>
        ) : null}
        <RemoveBudget budgetId={budget.id} name={name} />
      </div>
    </div>
  );
}

function RemoveBudget({ budgetId, name }: { budgetId: string; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(trpc.budgets.remove.mutationOptions({
    onSuccess: () => toast.success("Budget removed"),
    onError: (error) => toast.error(appErrorOf(error).appCode === "NOT_FOUND" ? "This budget was already removed." : "Could not remove the budget. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.budgets.list.queryKey() }),
  }));
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="ghost" size="sm" disabled={remove.isPending}>
          Remove<span className="sr-only"> {name}</span>
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Remove {name}?</AlertDialogTitle>
          <AlertDialogDescription>
            Jobs will no longer be held by it. What was spent against it stays in its history; a new budget starts from 0.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Keep the budget</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={() => remove.mutate({ budgetId })}>Remove budget</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
