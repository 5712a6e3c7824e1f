"use client";

import { useQuery } from "@tanstack/react-query";
import { ClockIcon, RotateCcwIcon } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

import { InsufficientCreditsDialog } from "~/components/generate/insufficient-credits-dialog";
import { useGenerateSubmit } from "~/components/generate/use-generate-submit";
import { Button } from "~/components/ui/button";
import { toast } from "~/components/ui/toaster";
import { budgetLabel, budgetsPath, creditsLeft } from "~/lib/budget-copy";
import { pluralCredits } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { useActiveWorkspace } from "~/components/workspaces/use-workspace";
import { roleAtLeast } from "~/lib/workspace-roles";

export type RerunnableJob = { modelId: string; prompt: string; outputsRequested: number; pricePerOutput: number };

type Props = {
  job: RerunnableJob;
  /** Where sign-in and the buy page bring the user back to. */
  returnTo: string;
  /** The jobs list shows a compact button; the job page shows the price on it. */
  compact?: boolean;
};

/**
 * "Run again": the same model, prompt and number of outputs, submitted
 * through the generate form's own path (`useGenerateSubmit` → `jobs.create`)
 * as a new intent with a new idempotency key, so it is charged like any
 * new job and meets every limit and error flow: insufficient credits opens
 * the dialog, the rate limit disables the button with a countdown, the
 * other refusals (a budget's too, with a link to raise it) are told in a toast. The price is today's catalog price.
 */
export function RerunButton({ job, returnTo, compact = false }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const { submit, busy, secondsLeft, fieldErrors, notice, needCredits, closeNeedCredits } = useGenerateSubmit({
    onCreated: () => {},
    returnTo,
  });
  const price = catalog.data?.find((model) => model.id === job.modelId)?.pricePerOutput ?? job.pricePerOutput;
  const cost = price * job.outputsRequested;
  const request = { modelId: job.modelId, prompt: job.prompt, outputs: job.outputsRequested };
  const workspace = useActiveWorkspace().data;

  useEffect(() => {
    if (notice?.kind === "max-active") {
      toast.warning("Too many active jobs. Wait for one to finish, or cancel one.", {
        action: { label: "See active jobs", onClick: () => router.push("/jobs?status=active") },
      });
    } else if (notice?.kind === "budget") {
      // Only owners and admins may raise a budget (SPEC §9); a member is told whom to ask.
      const mayRaise = !workspace || roleAtLeast(workspace.role, "ADMIN");
      toast.warning(`This job would go over ${budgetLabel(notice.budget, workspace?.kind)}: ${creditsLeft(notice.budget)}.${mayRaise ? "" : ` Ask an owner or admin of ${workspace.name} to raise it.`}`, {
        ...(mayRaise ? { action: { label: "Raise the budget", onClick: () => router.push(budgetsPath) } } : {}),
      });
    } else if (notice?.kind === "network") {
      toast.error("The connection dropped. Retrying is safe: it cannot charge you twice.", {
        action: { label: "Retry", onClick: () => void submit(request, cost) },
      });
    } else if (notice?.kind === "generic") {
      toast.error(notice.message ?? "Something went wrong. Please try again in a moment.");
    }
    // Only a new notice is announced; `request` and `cost` are read at that moment.
  }, [notice]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const first = Object.values(fieldErrors)[0]?.[0];
    if (first) toast.error(`This job cannot run again: ${first}`);
  }, [fieldErrors]);

  const rateLimited = secondsLeft > 0;
  // In the list, the prompt tells the rows' buttons apart (the visible words come first).
  const compactName = rateLimited ? `Run again in ${secondsLeft}s: ${job.prompt}` : busy ? `Submitting: ${job.prompt}` : `Run again: ${job.prompt}`;
  return (
    <>
      <Button
        variant="outline"
        size={compact ? "sm" : "default"}
        className={compact ? "max-sm:px-2" : undefined}
        disabled={busy || rateLimited}
        onClick={() => void submit(request, cost)}
        aria-label={compact ? compactName : undefined}
      >
        {rateLimited ? (
          <><ClockIcon aria-hidden /> <span className="tabular-nums"><span className={compact ? "max-sm:sr-only" : undefined}>Run again in </span>{secondsLeft}s</span></>
        ) : (
          <>
            <RotateCcwIcon aria-hidden />
            {busy ? <span className={compact ? "max-sm:sr-only" : undefined}>Submitting…</span> : compact ? <span className="max-sm:sr-only">Run again</span> : `Run again · ${pluralCredits(cost)}`}
          </>
        )}
      </Button>
      <InsufficientCreditsDialog requiredCredits={needCredits} onClose={closeNeedCredits} returnTo={returnTo} backLabel="Not now" />
    </>
  );
}
