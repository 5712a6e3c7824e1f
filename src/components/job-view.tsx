"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { appErrorOf } from "~/lib/app-error";
import { useTRPC } from "~/trpc/react";

const activeStatuses = new Set(["PENDING", "PROCESSING"]);

/** A job's live status, progress and outputs (polled while active). */
export function JobView({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery({
    ...trpc.jobs.get.queryOptions({ id }),
    refetchInterval: (query) => (query.state.data && !activeStatuses.has(query.state.data.status) ? false : 1_000),
  });
  const cancel = useMutation(trpc.jobs.cancel.mutationOptions({
    onSettled: () => queryClient.invalidateQueries(),
  }));
  if (job.error) {
    const { appCode } = appErrorOf(job.error);
    return <p role="alert">{appCode === "NOT_FOUND" ? "No such job." : "Could not load this job."}</p>;
  }
  if (!job.data) return <p>Loading…</p>;
  const j = job.data;
  const done = j.outputsDone + j.outputsFailed;
  return (
    <article className="flex flex-col gap-4" aria-labelledby="job-title">
      <h1 id="job-title" className="text-2xl font-semibold">Job</h1>
      <p>Status: <strong data-testid="job-status">{j.status}</strong></p>
      <progress max={j.outputsRequested} value={done} aria-label="Progress" className="w-full" />
      <p className="text-sm tabular-nums">{j.outputsDone} / {j.outputsRequested} outputs</p>
      {j.refundedAmount > 0 ? <p data-testid="job-refund">Refunded {j.refundedAmount} credits.</p> : null}
      {j.errorMessage ? <p className="text-sm text-red-600">{j.errorMessage}</p> : null}
      {activeStatuses.has(j.status) ? (
        <button type="button" onClick={() => cancel.mutate({ id })} disabled={cancel.isPending} className="self-start rounded border px-3 py-1">
          Cancel
        </button>
      ) : null}
      <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        {j.outputs.map((output) => (
          <li key={output.index} className="rounded border p-2">
            {output.status === "FAILED" ? <p className="text-sm text-red-600">Output {output.index + 1} failed</p>
              : output.mimeType === "image/svg+xml" ? <img alt={`Output ${output.index + 1}`} src={`data:image/svg+xml;utf8,${encodeURIComponent(output.content ?? "")}`} />
              : output.mimeType === "image/png" ? <img alt={`Output ${output.index + 1}`} src={`data:image/png;base64,${output.content ?? ""}`} />
              : <p className="whitespace-pre-wrap text-sm">{output.content}</p>}
          </li>
        ))}
      </ul>
    </article>
  );
}
