"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { toast } from "~/components/ui/toaster";
import type { ExceededBudget } from "~/server/errors";
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

export type GenerateNotice =
  | { kind: "max-active" | "network" | "generic"; message?: string }
  | { kind: "budget"; budget: ExceededBudget }
  | null;

/** A job that a request sent before the page reloaded created (its answer never arrived), and that request's intent. */
export type CreatedBeforeReload = { job: { id: string; totalCost: number }; intent: GenerateIntent };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The later of two moments (epoch ms), either of which may be unknown. */
function latest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

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
 *
 * After a reload the page asks the server what it cannot remember: whether
 * the per-minute window is full (the countdown goes on where it was) and,
 * with `findPendingJob` (the generate form), whether the request in flight
 * when the page went away created its job (`createdBeforeReload`).
 */
export function useGenerateSubmit({ onCreated, returnTo = "/", findPendingJob = false }: {
  onCreated: () => void;
  returnTo?: string;
  findPendingJob?: boolean;
}) {
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
  const [pendingIntent, setPendingIntent] = useState<GenerateIntent | null>(null);
  // The window as the server keeps it: a countdown started before a reload
  // goes on (the time left, measured from when the answer arrived here).
  const limits = useQuery({ ...trpc.jobs.limits.queryOptions(), retry: false });
  const retryAfterMs = limits.data?.rateLimit.retryAfterMs;
  const serverRetryAt = retryAfterMs ? limits.dataUpdatedAt + retryAfterMs : null;
  const secondsLeft = useCountdown(latest(retryAt, serverRetryAt));
  const pendingJob = useQuery({
    ...trpc.jobs.byIdempotencyKey.queryOptions({ idempotencyKey: pendingIntent?.key ?? "" }),
    enabled: findPendingJob && pendingIntent !== null,
    retry: false,
    staleTime: Infinity,
  });
  const createdBeforeReload: CreatedBeforeReload | null = pendingJob.data && pendingIntent ? { job: pendingJob.data, intent: pendingIntent } : null;

  useEffect(() => {
    // A request sent before a reload may have created a job: keep its key.
    const pending = loadPendingIntent();
    intent.current ??= pending;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- sessionStorage exists only in the browser, after hydration
    setPendingIntent(pending);
  }, []);

  const createdJobId = createdBeforeReload?.job.id;
  useEffect(() => {
    if (!createdJobId) return;
    // Its answer is known now, as if it had arrived: the intent is no longer
    // pending and the draft is done with. The key stays in memory, so the
    // same request sent again from this page replays that job.
    clearPendingIntent();
    onCreated();
  }, [createdJobId, onCreated]);

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
    const { appCode, requiredCredits, retryAfterSeconds, budget, fieldErrors: fields } = appErrorOf(error);
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
      case "BUDGET_EXCEEDED":
        // The server always names the budget; an answer without one is told as it came.
        setNotice(budget ? { kind: "budget", budget } : { kind: "generic", message: (error as Error).message });
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
    createdBeforeReload,
    busy: pending || done,
    secondsLeft,
    fieldErrors,
    notice,
    needCredits,
    closeNeedCredits: () => setNeedCredits(null),
  };
}
