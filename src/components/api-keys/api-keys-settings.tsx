"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { BookOpenIcon, CheckIcon, CopyIcon, KeyRoundIcon, TriangleAlertIcon } from "lucide-react";
import Link from "next/link";
import { useState, type FormEvent } from "react";

import { FormField } from "~/components/account/form-field";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription,
  AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger,
} from "~/components/ui/dialog";
import { EmptyState } from "~/components/ui/empty-state";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { Skeleton } from "~/components/ui/skeleton";
import { toast } from "~/components/ui/toaster";
import { apiKeyNameMaxChars, apiKeyScopes, type ApiKeyScope } from "~/shared/api-key-scopes";
import { appErrorOf, retryOnlyReconnectable } from "~/lib/app-error";
import { budgetsPath, creditsLeft } from "~/lib/budget-copy";
import { formatDateTime } from "~/lib/format";
import { useUnauthorizedRedirect } from "~/lib/use-unauthorized-redirect";
import { useTRPC } from "~/trpc/react";
import { formText } from "~/lib/form-text";

const scopeHelp: Record<ApiKeyScope, string> = {
  "jobs:read": "List jobs and read a job with its outputs.",
  "jobs:write": "Create jobs (spends credits) and cancel them.",
  "credits:read": "Read the balance and the ledger.",
};

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date | string;
  lastUsedAt: Date | string | null;
  revokedAt: Date | string | null;
};

/** The API keys page: create (name, scopes), the new secret shown once, the list with revoke. */
export function ApiKeysSettings() {
  const trpc = useTRPC();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  // Each key's budget, as a line under it; the page works without it (no retry beyond reconnecting).
  const budgets = useQuery({ ...trpc.budgets.list.queryOptions(), retry: retryOnlyReconnectable });
  const budgetOf = new Map((budgets.data?.keys ?? []).map((budget) => [budget.apiKey?.id, budget]));
  useUnauthorizedRedirect(keys.error);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  return (
    <div className="flex max-w-3xl flex-col gap-6">
      {secret ? <NewSecret name={secret.name} secret={secret.value} onDone={() => setSecret(null)} /> : null}
      <CreateKeyForm onCreated={(name, value) => setSecret({ name, value })} />
      <Card aria-labelledby="keys-title">
        <CardHeader>
          <CardTitle id="keys-title">Your keys</CardTitle>
          <CardDescription>
            A key acts as you in the <Link className="underline underline-offset-2" href="/docs/api">REST API</Link>, within its scopes. It never
            reaches the admin dashboard.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {!keys.data ? (
            <Skeleton className="h-24" />
          ) : keys.data.length === 0 ? (
            <EmptyState
              icon={<KeyRoundIcon aria-hidden />}
              title="No API keys yet"
              description="Create one above to call the API from a script, a server or CI. Then follow the API reference to create your first job."
              action={<Button asChild variant="outline" size="sm"><Link href="/docs/api"><BookOpenIcon aria-hidden /> API reference</Link></Button>}
            />
          ) : (
            <ul className="flex flex-col divide-y rounded-md border" aria-label="API keys">
              {keys.data.map((key) => <KeyItem key={key.id} apiKey={key} budget={budgets.data ? (budgetOf.get(key.id) ?? null) : undefined} />)}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const create = useMutation(trpc.apiKeys.create.mutationOptions({
    onError: (error) => {
      const { fieldErrors } = appErrorOf(error);
      if (fieldErrors) setErrors(fieldErrors);
      else toast.error("Could not create the key. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
  }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const name = formText(data, "key-name").trim();
    const scopes = apiKeyScopes.filter((scope) => data.get(`scope-${scope}`) === "on");
    const local: Record<string, string[]> = {};
    if (!name) local.name = ["Name the key."];
    if (scopes.length === 0) local.scopes = ["Pick at least one scope."];
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    create.mutate({ name, scopes }, {
      onSuccess: (created) => {
        form.reset();
        onCreated(created.key.name, created.secret);
      },
    });
  }

  const scopesError = errors.scopes?.[0];
  return (
    <Card aria-labelledby="create-key-title">
      <CardHeader>
        <CardTitle id="create-key-title">Create a key</CardTitle>
        <CardDescription>Give it a name you will recognise and only the scopes it needs.</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="flex flex-col gap-5" onSubmit={onSubmit} noValidate>
          <FormField
            id="key-name"
            label="Name"
            placeholder="e.g. Nightly batch"
            maxLength={apiKeyNameMaxChars}
            autoComplete="off"
            error={errors.name?.[0]}
          />
          <fieldset className="flex flex-col gap-3" aria-describedby={scopesError ? "scopes-error" : undefined}>
            <legend className="mb-1 text-sm font-medium">Scopes</legend>
            {apiKeyScopes.map((scope) => (
              <div key={scope} className="flex items-start gap-3">
                <input
                  id={`scope-${scope}`}
                  name={`scope-${scope}`}
                  type="checkbox"
                  defaultChecked={scope !== "jobs:write"}
                  className="mt-0.5 size-4 shrink-0 accent-primary"
                  aria-describedby={`scope-${scope}-help`}
                />
                <div className="flex min-w-0 flex-col gap-1">
                  <Label htmlFor={`scope-${scope}`} className="font-mono">{scope}</Label>
                  <p id={`scope-${scope}-help`} className="text-xs text-muted-foreground">{scopeHelp[scope]}</p>
                </div>
              </div>
            ))}
            {scopesError ? <FieldError id="scopes-error">{scopesError}</FieldError> : null}
          </fieldset>
          <Button type="submit" className="self-start" disabled={create.isPending}>
            <KeyRoundIcon aria-hidden /> {create.isPending ? "Creating…" : "Create key"}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}

/** The secret of a key just created: shown this once, with a copy button. */
function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      toast.success("Key copied");
    } catch {
      toast.error("Could not copy: select the key and copy it by hand.");
    }
  }
  return (
    <Alert variant="warning" role="region" aria-labelledby="new-key-title">
      <TriangleAlertIcon aria-hidden />
      <div className="flex-1">
        <AlertTitle id="new-key-title">Copy your new key “{name}” now</AlertTitle>
        <AlertDescription className="flex flex-col gap-3">
          <p>This is the only time it is shown: we store only a hash of it. Keep it secret, like a password.</p>
          <div className="flex flex-col gap-2 sm:flex-row">
            <Label htmlFor="new-key-secret" className="sr-only">New API key</Label>
            <Input
              id="new-key-secret"
              readOnly
              value={secret}
              className="min-w-0 flex-1 font-mono text-xs"
              onFocus={(event) => event.currentTarget.select()}
            />
            <Button type="button" variant="outline" onClick={copy}>
              {copied ? <CheckIcon aria-hidden /> : <CopyIcon aria-hidden />} {copied ? "Copied" : "Copy key"}
            </Button>
          </div>
          <Button type="button" variant="secondary" size="sm" className="self-start" onClick={onDone}>I have saved it</Button>
        </AlertDescription>
      </div>
    </Alert>
  );
}

type KeyBudget = { period: "MONTH" | "TOTAL"; limitCredits: number; remainingCredits: number };

/**
 * "Budget: 6 of 10 credits left this month" and the link to change it;
 * nothing while budgets load (`undefined`) or for a revoked key without one.
 */
function KeyBudgetLine({ budget, revoked }: { budget: KeyBudget | null | undefined; revoked: boolean }) {
  if (budget === undefined || (!budget && revoked)) return null;
  return (
    <p className="text-xs text-muted-foreground">
      {budget
        ? `Budget: ${creditsLeft(budget)}${budget.period === "MONTH" ? " this month" : " in total"}`
        : "No budget of its own"}
      {" · "}
      <Link className="underline underline-offset-2" href={budgetsPath}>{budget ? "Change" : "Set one"}<span className="sr-only"> on the budgets page</span></Link>
    </p>
  );
}

function KeyItem({ apiKey, budget }: { apiKey: KeyRow; budget: KeyBudget | null | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const revoke = useMutation(trpc.apiKeys.revoke.mutationOptions({
    onSuccess: () => toast.success(`Key “${apiKey.name}” revoked`),
    onError: () => toast.error("Could not revoke the key. Try again."),
    onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
  }));
  const revoked = apiKey.revokedAt !== null;
  return (
    <li className="flex flex-col gap-2 p-3 text-sm sm:flex-row sm:items-center" data-testid="api-key-row">
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <p className="flex flex-wrap items-center gap-2">
          <span className="break-all font-medium">{apiKey.name}</span>
          {revoked ? <Badge variant="destructive">Revoked</Badge> : null}
        </p>
        <p className="break-all font-mono text-xs text-muted-foreground" aria-label="Key prefix">{apiKey.prefix}_…</p>
        <p className="flex flex-wrap gap-1" aria-label="Scopes">
          {apiKey.scopes.map((scope) => <Badge key={scope} variant="outline" className="font-mono">{scope}</Badge>)}
        </p>
        <p className="text-xs text-muted-foreground">
          Created {formatDateTime(apiKey.createdAt)} · {apiKey.lastUsedAt ? `last used ${formatDateTime(apiKey.lastUsedAt)}` : "never used"}
          {apiKey.revokedAt ? ` · revoked ${formatDateTime(apiKey.revokedAt)}` : ""}
        </p>
        <KeyBudgetLine budget={budget} revoked={revoked} />
      </div>
      {revoked ? null : (
        <AlertDialog>
          <AlertDialogTrigger asChild>
            <Button variant="outline" size="sm" className="self-start sm:self-center" disabled={revoke.isPending}>
              Revoke<span className="sr-only"> {apiKey.name}</span>
            </Button>
          </AlertDialogTrigger>
          <AlertDialogContent>
            <AlertDialogHeader>
              <AlertDialogTitle>Revoke “{apiKey.name}”?</AlertDialogTitle>
              <AlertDialogDescription>
                Programs using this key get 401 from their very next request. This cannot be undone: create a new key to replace it.
              </AlertDialogDescription>
            </AlertDialogHeader>
            <AlertDialogFooter>
              <AlertDialogCancel>Keep the key</AlertDialogCancel>
              <AlertDialogAction variant="destructive" onClick={() => revoke.mutate({ id: apiKey.id })}>Revoke key</AlertDialogAction>
            </AlertDialogFooter>
          </AlertDialogContent>
        </AlertDialog>
      )}
    </li>
  );
}
