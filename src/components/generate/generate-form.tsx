"use client";

import { useQuery } from "@tanstack/react-query";
import { AlertTriangleIcon, ArrowRightIcon, CheckCircle2Icon, ClockIcon, GaugeIcon, SparklesIcon, WifiOffIcon } from "lucide-react";
import Link from "next/link";
import type { FormEvent, KeyboardEvent } from "react";

import { InsufficientCreditsDialog } from "~/components/generate/insufficient-credits-dialog";
import { ModelPicker, OutputsPicker } from "~/components/generate/model-picker";
import { useGenerateSubmit, type GenerateNotice } from "~/components/generate/use-generate-submit";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent } from "~/components/ui/card";
import { Textarea } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { budgetLabel, budgetsPath, creditsLeft, formatResetsAt } from "~/lib/budget-copy";
import { formatCredits, pluralCredits } from "~/lib/format";
import type { ExceededBudget } from "~/server/errors";
import { isSameRequest, type GenerateRequest } from "~/lib/generate-intent";
import { useSessionDraft } from "~/lib/use-session-draft";
import { roleAtLeast } from "~/lib/workspace-roles";
import { useActiveWorkspace } from "~/components/workspaces/use-workspace";
import { useTRPC } from "~/trpc/react";
import { retryOnlyReconnectable } from "~/lib/app-error";

const promptMaxChars = 2000;
const outputsMax = 4;
const draftKey = "creditworks:generate-draft";
const emptyDraft: GenerateRequest = { modelId: "", prompt: "", outputs: 1 };

/**
 * The generate form: model, prompt, outputs, and the cost before submit.
 * Submitting (double-submit proof, idempotent, error flows by appCode) is
 * `useGenerateSubmit`; the draft survives detours through sessionStorage.
 */
export function GenerateForm() {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const summary = useQuery({ ...trpc.credits.summary.queryOptions(), retry: retryOnlyReconnectable });
  const draft = useSessionDraft<GenerateRequest>(draftKey, emptyDraft);
  const { submit, createdBeforeReload, busy, secondsLeft, fieldErrors, notice, needCredits, closeNeedCredits } = useGenerateSubmit({
    onCreated: draft.forget,
    findPendingJob: true,
  });

  const { modelId, prompt, outputs } = draft.value;
  const model = catalog.data?.find((m) => m.id === modelId) ?? catalog.data?.[0];
  const cost = model ? model.pricePerOutput * outputs : 0;
  // The form still holds the request whose job was created before a reload:
  // it is paid for, and Generate would only open that job again.
  const alreadyPaid = !!createdBeforeReload && !!model && isSameRequest(createdBeforeReload.intent, { modelId: model.id, prompt, outputs });
  const available = summary.data?.available;
  const update = (patch: Partial<GenerateRequest>) => draft.setValue((current) => ({ ...current, ...patch }));
  const send = () => {
    if (model) void submit({ modelId: model.id, prompt, outputs }, cost);
  };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    send();
  }

  function onPromptKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
      event.preventDefault();
      send();
    }
  }

  const promptError = fieldErrors.prompt?.[0];
  const outputsError = fieldErrors.outputs?.[0];
  const modelError = fieldErrors.modelId?.[0];
  const formError = fieldErrors._?.[0] ?? fieldErrors.idempotencyKey?.[0];

  return (
    <>
      <form onSubmit={onSubmit} aria-label="Generate" noValidate={false} className="flex flex-col gap-5">
        <Card>
          <CardContent className="flex flex-col gap-6 pt-5">
            <fieldset className="flex flex-col gap-2">
              <legend id="model-label" className="mb-2 text-sm font-medium">Model</legend>
              <ModelPicker
                models={catalog.data}
                value={model?.id ?? ""}
                onChange={(id) => update({ modelId: id })}
                invalid={!!modelError}
                describedBy={modelError ? "model-error" : undefined}
              />
              <FieldError id="model-error">{modelError}</FieldError>
            </fieldset>

            <div className="flex flex-col gap-2">
              <div className="flex items-baseline justify-between">
                <Label htmlFor="prompt">Prompt</Label>
                <span id="prompt-count" className="text-xs tabular-nums text-muted-foreground" aria-live="off">
                  {prompt.length} / {promptMaxChars}
                </span>
              </div>
              <Textarea
                id="prompt"
                name="prompt"
                value={prompt}
                onChange={(e) => update({ prompt: e.target.value })}
                onKeyDown={onPromptKeyDown}
                rows={5}
                maxLength={promptMaxChars}
                required
                placeholder="A lighthouse keeper finds a message in a bottle…"
                aria-invalid={!!promptError || undefined}
                aria-describedby={promptError ? "prompt-error prompt-count" : "prompt-count prompt-hint"}
              />
              {promptError ? (
                <FieldError id="prompt-error">{promptError}</FieldError>
              ) : (
                <p id="prompt-hint" className="text-xs text-muted-foreground">
                  Sandbox tags: <code>#slow</code>, <code>#fail</code>, <code>#fail-output-2</code>, <code>#hang</code>. Ctrl/⌘ + Enter submits.
                </p>
              )}
            </div>

            <div className="flex flex-col gap-2">
              <span id="outputs-label" className="text-sm font-medium">Outputs</span>
              <OutputsPicker value={outputs} max={outputsMax} onChange={(n) => update({ outputs: n })} describedBy={outputsError ? "outputs-error" : undefined} />
              <FieldError id="outputs-error">{outputsError}</FieldError>
            </div>
          </CardContent>
        </Card>

        {createdBeforeReload ? <CreatedBeforeReloadNotice job={createdBeforeReload.job} /> : null}
        <FormNotices notice={notice} formError={formError} secondsLeft={secondsLeft} onRetry={send} />

        <CostBar
          model={model}
          outputs={outputs}
          cost={cost}
          available={available}
          alreadyPaid={alreadyPaid}
          busy={busy}
          secondsLeft={secondsLeft}
        />
      </form>
      <InsufficientCreditsDialog requiredCredits={needCredits} onClose={closeNeedCredits} />
    </>
  );
}

/** The request in flight when the page reloaded went through: its job exists, charged once. */
function CreatedBeforeReloadNotice({ job }: { job: { id: string; totalCost: number } }) {
  return (
    <Alert variant="success">
      <CheckCircle2Icon aria-hidden />
      <div>
        <AlertTitle>Your job was created</AlertTitle>
        <AlertDescription>
          The request you sent before the page reloaded went through, and {pluralCredits(job.totalCost)} were charged once.{" "}
          <Link href={`/jobs/${job.id}`} className="font-medium underline underline-offset-4">View the job</Link>
        </AlertDescription>
      </div>
    </Alert>
  );
}

function FormNotices({ notice, formError, secondsLeft, onRetry }: { notice: GenerateNotice; formError?: string; secondsLeft: number; onRetry: () => void }) {
  return (
    <>
      {secondsLeft > 0 ? (
        <Alert variant="warning" id="rate-limit">
          <ClockIcon aria-hidden />
          <div>
            <AlertTitle>Too many jobs this minute</AlertTitle>
            <AlertDescription>
              You can generate again in <span className="tabular-nums" data-testid="rate-limit-seconds">{secondsLeft}</span> seconds.
            </AlertDescription>
          </div>
        </Alert>
      ) : null}
      {notice?.kind === "max-active" ? (
        <Alert variant="warning">
          <AlertTriangleIcon aria-hidden />
          <div>
            <AlertTitle>Too many active jobs</AlertTitle>
            <AlertDescription>
              Wait for one of your running jobs to finish, or cancel one.{" "}
              <Link href="/jobs?status=active" className="font-medium underline underline-offset-4">See active jobs</Link>
            </AlertDescription>
          </div>
        </Alert>
      ) : null}
      {notice?.kind === "network" ? (
        <Alert variant="destructive">
          <WifiOffIcon aria-hidden />
          <div className="flex flex-1 flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
            <div className="min-w-0">
              <AlertTitle>The connection dropped</AlertTitle>
              <AlertDescription>
                Your request may have gone through. Retrying is safe: it cannot charge you twice.
              </AlertDescription>
            </div>
            <Button variant="outline" size="sm" onClick={onRetry}>Retry</Button>
          </div>
        </Alert>
      ) : null}
      {notice?.kind === "budget" ? <BudgetExceededNotice budget={notice.budget} /> : null}
      {notice?.kind === "generic" || formError ? (
        <Alert variant="destructive">
          <AlertTriangleIcon aria-hidden />
          <div>
            <AlertTitle>Something went wrong</AlertTitle>
            <AlertDescription>{formError ?? (notice?.kind === "generic" ? notice.message : undefined) ?? "Please try again in a moment."}</AlertDescription>
          </div>
        </Alert>
      ) : null}
    </>
  );
}

/**
 * BUDGET_EXCEEDED (SPEC §4): which budget the job would go over, what is
 * left of it and when it resets, with the way to raise it for those who
 * may (owners and admins: budgets are theirs, SPEC §9); a team's member is
 * told whom to ask.
 */
function BudgetExceededNotice({ budget }: { budget: ExceededBudget }) {
  const workspace = useActiveWorkspace().data;
  const resets = formatResetsAt(budget.resetsAt);
  return (
    <Alert variant="warning" aria-labelledby="budget-exceeded-title">
      <GaugeIcon aria-hidden />
      <div>
        <AlertTitle id="budget-exceeded-title">This job would go over {budgetLabel(budget, workspace?.kind)}</AlertTitle>
        <AlertDescription className="flex flex-col gap-1">
          <p>
            <span data-testid="budget-left">{creditsLeft(budget)}</span>
            {resets ? <> · it resets on <time dateTime={budget.resetsAt ?? undefined}>{resets}</time>.</> : <> · it does not reset.</>}{" "}
            Nothing was charged.
          </p>
          {!workspace ? null : roleAtLeast(workspace.role, "ADMIN") ? (
            <p>
              <Link href={budgetsPath} className="font-medium underline underline-offset-4">Raise the budget</Link>
            </p>
          ) : (
            <p data-testid="budget-ask">Ask an owner or admin of {workspace.name} to raise it.</p>
          )}
        </AlertDescription>
      </div>
    </Alert>
  );
}

/**
 * The price, the total and the balance after, next to the Generate button
 * (with the rate-limit countdown). `alreadyPaid`: the request on screen was
 * charged before a reload, so nothing more would be taken and the button
 * opens its job.
 */
function CostBar({ model, outputs, cost, available, alreadyPaid, busy, secondsLeft }: {
  model: { pricePerOutput: number } | undefined;
  outputs: number;
  cost: number;
  available: number | undefined;
  alreadyPaid: boolean;
  busy: boolean;
  secondsLeft: number;
}) {
  const charge = alreadyPaid ? 0 : cost;
  const insufficient = available !== undefined && charge > available;
  const rateLimited = secondsLeft > 0;
  return (
    <Card>
      <CardContent className="flex flex-col gap-4 pt-5 sm:flex-row sm:items-center sm:justify-between">
        <dl className="grid grid-cols-3 gap-4 text-sm sm:gap-8">
          <div>
            <dt className="text-muted-foreground">Price</dt>
            <dd className="font-medium tabular-nums">{model ? `${outputs} × ${model.pricePerOutput}` : "—"}</dd>
          </div>
          <div>
            <dt className="text-muted-foreground">Total cost</dt>
            <dd className="font-semibold tabular-nums" data-testid="total-cost">{pluralCredits(cost)}{alreadyPaid ? ", paid" : ""}</dd>
          </div>
          <div>
            <dt className="text-muted-foreground">After</dt>
            <dd className={insufficient ? "font-medium tabular-nums text-destructive" : "font-medium tabular-nums"} data-testid="balance-after">
              {available === undefined ? "—" : insufficient ? "Not enough" : formatCredits(available - charge)}
            </dd>
          </div>
        </dl>
        <Button type="submit" size="lg" disabled={busy || rateLimited || !model} className="min-w-56" aria-describedby={rateLimited ? "rate-limit" : undefined}>
          {rateLimited ? (
            <><ClockIcon aria-hidden /> <span className="tabular-nums">Try again in {secondsLeft}s</span></>
          ) : busy ? (
            <>Generating…</>
          ) : alreadyPaid ? (
            <><ArrowRightIcon aria-hidden /> Open the job</>
          ) : (
            <><SparklesIcon aria-hidden /> Generate · {pluralCredits(cost)}</>
          )}
        </Button>
      </CardContent>
    </Card>
  );
}
