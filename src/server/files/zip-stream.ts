import { Zip, ZipDeflate, ZipPassThrough } from "fflate";

/** One file of an archive: its name inside the zip, its bytes, and whether they are already compressed. */
export type ZipEntry = { name: string; bytes: Uint8Array; compressed?: boolean; modifiedAt?: Date };

/** Deflate level for text and SVG (6: zlib's default balance of size and CPU). */
const deflateLevel = 6;

/**
 * A zip archive as a byte stream (fflate's streaming `Zip`), for a Response
 * body: each chunk is enqueued as soon as fflate produces it. Already
 * compressed files (PNG, JPEG) are stored as they are; the rest is deflated.
 * The caller bounds the entries (a job has at most a handful of outputs).
 */
export function zipStream(entries: readonly ZipEntry[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const zip = new Zip((error, chunk, final) => {
        if (error) {
          controller.error(error);
          return;
        }
        controller.enqueue(chunk);
        if (final) controller.close();
      });
      for (const entry of entries) {
        const file = entry.compressed ? new ZipPassThrough(entry.name) : new ZipDeflate(entry.name, { level: deflateLevel });
        if (entry.modifiedAt) file.mtime = entry.modifiedAt;
        zip.add(file);
        file.push(entry.bytes, true);
      }
      zip.end();
    },
  });
}
