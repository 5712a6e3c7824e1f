/**
 * Request bodies of route handlers, read whole or not kept at all.
 *
 * A handler that answers without reading the body it was sent (an unknown
 * path, a refused request) leaves the rest of that body in the connection
 * once its stream has been touched (as `new Request(request, …)` does):
 * Node stops reading the socket when the stream's buffer is full, the next
 * request on that keep-alive connection is never parsed, and the server's
 * keep-alive timer resets the connection seconds later — the next request
 * gets no answer at all. So a body is read to its end, up to a bound, before
 * anything else; past the bound the answer is 413 and the connection is
 * closed (the rest of the body is not worth reading).
 */

export type BoundedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false };

/** Reads `request`'s body to its end if it is at most `maxBytes`; `{ ok: false }` (the stream cancelled) past that. */
export async function readBodyBounded(request: Request, maxBytes: number): Promise<BoundedBody> {
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  const declared = Number(request.headers.get("content-length") ?? "0");
  const reader = request.body.getReader();
  if (declared > maxBytes) {
    await reader.cancel();
    return { ok: false };
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return { ok: false };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** 413 for a body past its bound, closing the connection (its unread rest would stall the next request). */
export function payloadTooLarge(maxBytes: number): Response {
  return Response.json(
    { code: "VALIDATION_ERROR", message: `The request body is larger than ${maxBytes} bytes.` },
    { status: 413, headers: { connection: "close" } },
  );
}
