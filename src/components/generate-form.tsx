"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";

import { appErrorOf } from "~/lib/app-error";
import { useTRPC } from "~/trpc/react";

/**
 * The generate form. One user intent = one fresh UUID: the key is kept while
 * the same intent is retried (network error, CONFLICT_RETRY), so a retry can
 * only replay the job, never charge twice; it is renewed after an outcome.
 */
export function GenerateForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const catalog = useQuery(trpc.catalog.list.queryOptions());
  const [modelId, setModelId] = useState<string>("");
  const [prompt, setPrompt] = useState("");
  const [outputs, setOutputs] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const intentKey = useRef<string | null>(null);
  const create = useMutation(trpc.jobs.create.mutationOptions());

  const model = catalog.data?.find((m) => m.id === modelId) ?? catalog.data?.[0];
  const cost = model ? model.pricePerOutput * outputs : 0;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (create.isPending || !model) return;
    intentKey.current ??= crypto.randomUUID();
    setMessage(null);
    try {
      const result = await create.mutateAsync({ idempotencyKey: intentKey.current, modelId: model.id, prompt, outputs });
      intentKey.current = null;
      await queryClient.invalidateQueries({ queryKey: trpc.credits.summary.queryKey() });
      router.push(`/jobs/${result.job.id}`);
    } catch (error) {
      const { appCode, requiredCredits, retryAfterSeconds } = appErrorOf(error);
      if (appCode !== undefined && appCode !== "CONFLICT_RETRY") intentKey.current = null;
      if (appCode === "UNAUTHORIZED") router.push("/sign-in?next=/");
      else if (appCode === "INSUFFICIENT_CREDITS") setMessage(`You need ${requiredCredits} more credits.`);
      else if (appCode === "RATE_LIMIT_EXCEEDED") setMessage(`Too many jobs this minute. Try again in ${retryAfterSeconds}s.`);
      else if (appCode === "MAX_ACTIVE_JOBS") setMessage("Too many active jobs. Wait for one to finish.");
      else setMessage(error instanceof Error ? error.message : "Something went wrong.");
    }
  }

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-4" aria-label="Generate">
      <label className="flex flex-col gap-1 text-sm">
        Model
        <select value={model?.id ?? ""} onChange={(e) => setModelId(e.target.value)} className="rounded border px-3 py-2">
          {catalog.data?.map((m) => (
            <option key={m.id} value={m.id}>{m.name} — {m.pricePerOutput} credits per output</option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Prompt
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={4} maxLength={2000} required className="rounded border px-3 py-2" />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Outputs
        <input type="number" min={1} max={4} value={outputs} onChange={(e) => setOutputs(Number(e.target.value))} className="w-24 rounded border px-3 py-2" />
      </label>
      {message ? <p role="alert" className="text-sm text-red-600">{message}</p> : null}
      <button type="submit" disabled={create.isPending || !model} className="rounded bg-zinc-900 px-4 py-2 text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
        {create.isPending ? "Generating…" : `Generate · ${cost} credits`}
      </button>
    </form>
  );
}
