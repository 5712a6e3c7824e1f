"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "~/components/ui/dialog";
import { Button } from "~/components/ui/button";
import { FieldError, Label } from "~/components/ui/label";
import { Textarea } from "~/components/ui/input";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { formatCredits } from "~/lib/format";
import { useTRPC } from "~/trpc/react";

/**
 * Fails an active job with a required reason. Its undelivered outputs come
 * back to the owner, or — when the admin ticks goodwill — the whole cost
 * (SPEC §2; the ledger reason says which). The server settles it at most
 * once; if the job finished meanwhile the dialog says so and the page
 * refreshes instead.
 */
export function ForceFailDialog({ jobId, totalCost, undeliveredCost }: { jobId: string; totalCost: number; undeliveredCost: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [goodwill, setGoodwill] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const forceFail = useMutation(trpc.admin.forceFail.mutationOptions());

  async function confirm(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const result = await forceFail.mutateAsync({ id: jobId, reason, goodwill });
      toast.success(`Job failed; ${formatCredits(result.refunded)} credits refunded.`);
      setOpen(false);
      setReason("");
      setGoodwill(false);
    } catch (caught) {
      const appError = appErrorOf(caught);
      if (appError.appCode === "JOB_NOT_CANCELLABLE") {
        toast.info("This job has already finished: nothing was changed.");
        setOpen(false);
      } else {
        setError(appError.fieldErrors?.reason?.[0] ?? (caught as Error).message);
      }
    } finally {
      await queryClient.invalidateQueries({ queryKey: trpc.admin.pathKey() });
    }
  }

  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="destructive" size="sm">Force-fail</Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <form onSubmit={confirm} className="flex flex-col gap-4" noValidate>
          <AlertDialogHeader>
            <AlertDialogTitle>Force-fail this job?</AlertDialogTitle>
            <AlertDialogDescription>
              The job ends as failed. Its owner keeps what was delivered and gets the undelivered outputs back
              ({formatCredits(undeliveredCost)} credits), once — or, as goodwill, the whole {formatCredits(totalCost)}. A
              worker still running it stops at its next write. This is recorded in the audit trail.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="force-fail-reason">Reason</Label>
            <Textarea
              id="force-fail-reason"
              className="min-h-16"
              value={reason}
              onChange={(event) => setReason(event.target.value)}
              aria-invalid={Boolean(error)}
              aria-describedby={error ? "force-fail-error" : undefined}
              required
            />
            <FieldError id="force-fail-error">{error}</FieldError>
          </div>
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 size-4 accent-destructive"
              checked={goodwill}
              onChange={(event) => setGoodwill(event.target.checked)}
            />
            <span>
              Goodwill: refund the whole cost ({formatCredits(totalCost)} credits), delivered outputs included. The
              statement says it was goodwill.
            </span>
          </label>
          <AlertDialogFooter>
            <AlertDialogCancel type="button">Keep running</AlertDialogCancel>
            <Button type="submit" variant="destructive" disabled={forceFail.isPending}>
              {forceFail.isPending ? "Failing…" : goodwill ? "Fail and refund all" : "Fail and refund undelivered"}
            </Button>
          </AlertDialogFooter>
        </form>
      </AlertDialogContent>
    </AlertDialog>
  );
}
