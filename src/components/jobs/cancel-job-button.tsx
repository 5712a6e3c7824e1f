"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { OctagonXIcon } from "lucide-react";

import { Button } from "~/components/ui/button";
import {
  AlertDialog, AlertDialogAction, AlertDialogCancel, AlertDialogContent, AlertDialogDescription,
  AlertDialogFooter, AlertDialogHeader, AlertDialogTitle, AlertDialogTrigger,
} from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { cancelRefundPromise, settlementSummary } from "~/lib/settlement-copy";
import { useTRPC } from "~/trpc/react";

/**
 * Cancel with confirmation; JOB_NOT_CANCELLABLE refreshes the job instead.
 * Outputs already delivered are kept and paid for (SPEC §2); the rest comes back.
 */
export function CancelJobButton({ jobId, pricePerOutput, outputsLeft }: { jobId: string; pricePerOutput: number; outputsLeft: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({
    onSuccess: (job) => toast.success(`Job cancelled · ${settlementSummary(job)}`),
    onError: (error) => {
      const { appCode } = appErrorOf(error);
      if (appCode === "JOB_NOT_CANCELLABLE") toast.info("This job had already finished.");
      else toast.error("Could not cancel the job. Try again.");
    },
    onSettled: () => queryClient.invalidateQueries(),
  }));
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="outline" disabled={cancel.isPending}>
          <OctagonXIcon aria-hidden /> {cancel.isPending ? "Cancelling…" : "Cancel job"}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Cancel this job?</AlertDialogTitle>
          <AlertDialogDescription>
            Generation stops now. Outputs already delivered are yours and stay paid for; {cancelRefundPromise(outputsLeft, pricePerOutput)}
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Keep running</AlertDialogCancel>
          <AlertDialogAction variant="destructive" onClick={() => cancel.mutate({ id: jobId })}>Cancel job</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
