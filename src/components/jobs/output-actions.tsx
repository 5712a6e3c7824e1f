"use client";

import { CopyIcon, DownloadIcon, Maximize2Icon } from "lucide-react";
import { useState } from "react";

import type { JobOutput } from "~/shared/output-files";
import { Button } from "~/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "~/components/ui/dialog";
import { toast } from "~/components/ui/toaster";
import { saveBlob, svgToPng } from "~/lib/browser-download";
import { extensionOf, outputBytes, outputFileName } from "~/shared/output-files";

type Props = { jobId: string; output: JobOutput; imageSource: string | null };

/**
 * What a user does with a delivered output: an image opens full size and
 * downloads as its own format (SVG) or as a PNG rendered here on a canvas;
 * a text is copied to the clipboard or downloaded as .txt.
 */
export function OutputActions({ jobId, output, imageSource }: Props) {
  const label = `output ${output.index + 1}`;
  return (
    <div className="flex flex-wrap gap-1.5" role="group" aria-label={`Output ${output.index + 1} actions`}>
      {imageSource ? (
        <>
          <FullSizeButton index={output.index} source={imageSource} />
          <DownloadOriginal jobId={jobId} output={output} label={label} />
          {output.mimeType === "image/svg+xml" ? <DownloadPng jobId={jobId} output={output} label={label} /> : null}
        </>
      ) : (
        <>
          <CopyTextButton text={output.content ?? ""} label={label} />
          <DownloadOriginal jobId={jobId} output={output} label={label} />
        </>
      )}
    </div>
  );
}

function DownloadOriginal({ jobId, output, label }: { jobId: string; output: JobOutput; label: string }) {
  const extension = extensionOf(output.mimeType);
  const visible = extension === "txt" ? ".txt" : extension.toUpperCase();
  function download() {
    const bytes = outputBytes(output);
    saveBlob(new Blob([bytes as BlobPart], { type: output.mimeType ?? "application/octet-stream" }), outputFileName(jobId, output.index, extension));
  }
  return (
    <Button variant="outline" size="sm" onClick={download} aria-label={`Download ${label} as ${visible}`}>
      <DownloadIcon aria-hidden /> {visible}
    </Button>
  );
}

function DownloadPng({ jobId, output, label }: { jobId: string; output: JobOutput; label: string }) {
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    try {
      saveBlob(await svgToPng(output.content ?? ""), outputFileName(jobId, output.index, "png"));
    } catch {
      toast.error("Could not render the PNG in this browser. Download the SVG instead.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button variant="outline" size="sm" onClick={() => void download()} disabled={busy} aria-label={`Download ${label} as PNG`}>
      <DownloadIcon aria-hidden /> PNG
    </Button>
  );
}

function CopyTextButton({ text, label }: { text: string; label: string }) {
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      toast.success("Copied to the clipboard");
    } catch {
      toast.error("Could not copy: the browser refused access to the clipboard.");
    }
  }
  return (
    <Button variant="outline" size="sm" onClick={() => void copy()} aria-label={`Copy ${label} text`}>
      <CopyIcon aria-hidden /> Copy
    </Button>
  );
}

/** The image at full size in a modal dialog: focus is trapped inside, Escape or Close returns to the button. */
function FullSizeButton({ index, source }: { index: number; source: string }) {
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={`View output ${index + 1} full size`}>
          <Maximize2Icon aria-hidden /> Full size
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[95vh] max-w-[min(95vw,56rem)] overflow-auto">
        <DialogHeader>
          <DialogTitle>Output {index + 1}</DialogTitle>
          <DialogDescription>Full size. Press Escape to close.</DialogDescription>
        </DialogHeader>
        {/* eslint-disable-next-line @next/next/no-img-element -- generated data URLs, nothing to optimise */}
        <img src={source} alt={`Output ${index + 1}, full size`} className="h-auto w-full rounded-md border" />
      </DialogContent>
    </Dialog>
  );
}
