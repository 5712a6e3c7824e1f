"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { toast } from "~/components/ui/toaster";
import { appErrorOf } from "~/lib/app-error";
import { pluralCredits } from "~/lib/format";
import {
  clearPendingIntent,
  intentFor,
  loadPendingIntent,
  savePendingIntent,
  type GenerateIntent,
  type GenerateRequest,
} from "~/lib/generate-intent";
import { signInPath } from "~/shared/sign-in-path";
import { useCountdown } from "~/lib/use-countdown";
import { useTRPC, useTRPCClient } from "~/trpc/react";

const conflictRetriesMax = 3;
const conflictBackoffMs = 400;
const rateLimitFallbackSeconds = 60;

export type GenerateNotice = { kind: "max-active" | "network" | "generic"; message?: string } | null;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submitting a generation, double-submit proof. A ref (not state, which
 * lags a render behind a second click) blocks re-entry while a request is
 * in flight, and after success until the page changes. One intent = one
 * UUID, kept across retries of the same request (`intentFor`), so a retry
 * after a lost response can only replay. Until the server answers, the
 * intent also waits in sessionStorage with the draft: a reload mid-request
 * restores it, and the next Generate of the same request replays the job.
 * Each failure is handled by its appCode (SPEC §4), never by its message.
 * The generate form and the "Run again" buttons share it, so a re-run meets
 * every limit and error flow of a first run; `returnTo` is where sign-in
 * brings the user back.
 */
export function useGenerateSubmit({ onCreated, returnTo = "/" }: { onCreated: () => void; returnTo?: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const queryClient = useQueryClient();
  const intent = useRef<GenerateIntent | null>(null);
  const inFlight = useRef(false);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [notice, setNotice] = useState<GenerateNotice>(null);
  const [needCredits, setNeedCredits] = useState<number | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryAt);

  useEffect(() => {
    // A request sent before a reload may have created a job: keep its key.
    intent.current ??= loadPendingIntent();
  }, []);

  async function createWithRetries(request: GenerateRequest, key: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await client.jobs.create.mutate({ ...request, idempotencyKey: key });
      } catch (error) {
        // CONFLICT_RETRY: the server gave up under contention and stored
        // nothing; the same key makes the retry safe.
        if (appErrorOf(error).appCode !== "CONFLICT_RETRY" || attempt >= conflictRetriesMax) throw error;
        await sleep(conflictBackoffMs * attempt);
      }
    }
  }

  function handleError(error: unknown, cost: number) {
    const { appCode, requiredCredits, retryAfterSeconds, fieldErrors: fields } = appErrorOf(error);
    switch (appCode) {
      case "INSUFFICIENT_CREDITS":
        setNeedCredits(requiredCredits ?? cost);
        break;
      case "RATE_LIMIT_EXCEEDED":
        setRetryAt(Date.now() + (retryAfterSeconds ?? rateLimitFallbackSeconds) * 1000);
        break;
      case "MAX_ACTIVE_JOBS":
        setNotice({ kind: "max-active" });
        break;
      case "VALIDATION_ERROR":
        setFieldErrors(fields && Object.keys(fields).length > 0 ? fields : { _: ["Check the form."] });
        break;
      case "UNAUTHORIZED":
        toast.info("Your session ended. Sign in to continue — your prompt is kept.");
        router.push(signInPath(returnTo));
        break;
      case undefined: // No appCode: the response never arrived.
        setNotice({ kind: "network" });
        break;
      default: // Nothing internal is shown for INTERNAL or exhausted retries.
        setNotice({ kind: "generic", message: appCode === "INTERNAL" || appCode === "CONFLICT_RETRY" ? undefined : (error as Error).message });
    }
  }

  async function submit(request: GenerateRequest, cost: number) {
    if (inFlight.current || secondsLeft > 0) return;
    inFlight.current = true;
    setPending(true);
    setNotice(null);
    setFieldErrors({});
    intent.current = intentFor(intent.current, request);
    savePendingIntent(intent.current);
    try {
      const { job, replayed } = await createWithRetries(request, intent.current.key);
      intent.current = null;
      clearPendingIntent();
      setDone(true);
      onCreated();
      toast.success(replayed ? "Already submitted — opening that job" : `Generating · ${pluralCredits(job.totalCost)} charged`);
      void queryClient.invalidateQueries({ queryKey: trpc.credits.summary.queryKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.jobs.list.queryKey() });
      router.push(`/jobs/${job.id}`);
      return; // Stay locked: the page is changing.
    } catch (error) {
      // An appCode means the server answered (and stored nothing); without
      // one the answer was lost, and the job may exist: keep it pending.
      if (appErrorOf(error).appCode !== undefined) clearPendingIntent();
      handleError(error, cost);
    }
    inFlight.current = false;
    setPending(false);
  }

  return {
    submit,
    busy: pending || done,
    secondsLeft,
    fieldErrors,
    notice,
    needCredits,
    closeNeedCredits: () => setNeedCredits(null),
  };
}
