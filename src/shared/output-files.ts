/**
 * How a job's outputs become files: their names, extensions and bytes. One
 * module for the browser's single downloads and the server's zip, so a file
 * is called the same wherever it comes from. No DOM, no Node: safe on both.
 */

export type OutputFile = { index: number; mimeType: string | null; content: string | null };

/** A job's output as the job page shows it. */
export type JobOutput = OutputFile & { status: string; error: string | null };

const extensions: Record<string, string> = {
  "image/svg+xml": "svg",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "text/plain": "txt",
};

/** The file extension of an output's MIME type ("bin" for anything unknown). */
export function extensionOf(mimeType: string | null): string {
  return (mimeType && extensions[mimeType]) ?? "bin";
}

/** Binary image types are stored as base64; SVG and text are stored as text. */
export function isBase64Stored(mimeType: string | null): boolean {
  return !!mimeType && mimeType.startsWith("image/") && mimeType !== "image/svg+xml";
}

/** `creditworks-1a2b3c4d` : the job's part of every file name (its id's first 8 characters). */
export function jobFilePrefix(jobId: string): string {
  return `creditworks-${jobId.slice(0, 8)}`;
}

/** `creditworks-1a2b3c4d-output-2.svg`: outputs are numbered from 1, as on the page. */
export function outputFileName(jobId: string, index: number, extension: string): string {
  return `${jobFilePrefix(jobId)}-output-${index + 1}.${extension}`;
}

/** The bytes of an output as stored (base64 decoded for binary images, UTF-8 otherwise). */
export function outputBytes(output: OutputFile): Uint8Array {
  const content = output.content ?? "";
  if (!isBase64Stored(output.mimeType)) return new TextEncoder().encode(content);
  const binary = atob(content);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
