import { AlertCircleIcon } from "lucide-react";

import { OutputActions } from "~/components/jobs/output-actions";
import { Skeleton } from "~/components/ui/skeleton";

import type { JobOutput } from "~/shared/output-files";

/** A data URL for an image output (null for text), usable by <img> and the full-size view. */
export function imageSource(output: JobOutput): string | null {
  if (output.mimeType === "image/svg+xml") return `data:image/svg+xml;utf8,${encodeURIComponent(output.content ?? "")}`;
  if (output.mimeType?.startsWith("image/")) return `data:${output.mimeType};base64,${output.content ?? ""}`;
  return null;
}

/**
 * One output slot. Every slot keeps the same box before and after its
 * output arrives (images square, text a fixed minimum), so the page does
 * not jump while a job fills in. A delivered output gets its actions
 * (download, copy, full size) under it.
 */
export function OutputCard({ jobId, index, output, kind, active }: { jobId: string; index: number; output?: JobOutput; kind: string; active: boolean }) {
  const label = `Output ${index + 1}`;
  const box = kind === "image" ? "aspect-square" : "min-h-40";
  const source = output ? imageSource(output) : null;
  return (
    <li className="flex flex-col gap-2 rounded-lg border bg-card p-3" data-testid="job-output" data-state={output?.status ?? "waiting"}>
      <span className="text-xs font-medium text-muted-foreground">{label}</span>
      {!output ? (
        active ? <Skeleton className={`${box} w-full`} /> : <div className={`${box} grid w-full place-items-center rounded-md bg-muted text-sm text-muted-foreground`}>Not generated</div>
      ) : output.status === "FAILED" ? (
        <div className={`${box} flex w-full flex-col items-center justify-center gap-2 rounded-md bg-red-50 p-4 text-center text-sm text-red-800 dark:bg-red-950 dark:text-red-200`}>
          <AlertCircleIcon className="size-5" aria-hidden />
          <span>{label} failed{output.error ? `: ${output.error.replace(/\.+$/, "")}` : ""}. Its cost is refunded.</span>
        </div>
      ) : source ? (
        // eslint-disable-next-line @next/next/no-img-element -- generated data URLs, nothing to optimise
        <img alt={label} src={source} className={`${box} w-full rounded-md border object-cover`} />
      ) : (
        <p className={`${box} whitespace-pre-wrap break-words rounded-md bg-muted/50 p-3 text-sm leading-relaxed`}>{output.content}</p>
      )}
      {output?.status === "COMPLETED" ? <OutputActions jobId={jobId} output={output} imageSource={source} /> : null}
    </li>
  );
}
