import net from "node:net";

import { baseURL } from "../playwright.config";
import { expect, test } from "./fixtures/test";

// On the production server: a request whose body the app answered without
// reading (an unknown auth endpoint) must not stall the next request on
// the same keep-alive connection; the fuzz met this as GETs reset after a
// few seconds without an answer (tests/http/keep-alive.test.ts has the
// mechanism). Raw sockets, so both requests share one connection for sure.

function twoOnOneConnection(firstPath: string, bodyBytes: number): Promise<{ statuses: number[]; error: string | null }> {
  const { hostname, port } = new URL(baseURL);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname === "localhost" ? "127.0.0.1" : hostname);
    let received = "";
    let error: string | null = null;
    let secondSent = false;
    const statuses = () => [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (statuses().length >= 1 && !secondSent) {
        secondSent = true;
        socket.write(`GET /api/trpc/catalog.list HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
      }
      if (statuses().length >= 2) socket.end();
    });
    socket.on("error", (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message));
    socket.on("close", () => resolve({ statuses: statuses(), error }));
    const body = Buffer.alloc(bodyBytes, "a");
    socket.write(
      `POST ${firstPath} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nOrigin: ${new URL(baseURL).origin}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  });
}

test("after an early answer to a large POST, the next request on the connection is answered, not reset", async () => {
  const exchange = await twoOnOneConnection("/api/auth/no-such-endpoint", 256 * 1024);
  expect(exchange.error).toBeNull();
  expect(exchange.statuses).toEqual([404, 200]);
});
