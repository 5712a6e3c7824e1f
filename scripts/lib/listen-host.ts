/**
 * Where `npm start` and `npm run dev` listen.
 *
 * The zero-setup local run (no DATABASE_URL: the embedded PostgreSQL) is a
 * machine of its own: it has a seeded admin, generated secrets and the file
 * outbox, and is nobody else's business, so it listens on this machine only
 * (`localhost`). `HOSTNAME` chooses another address (`HOSTNAME=0.0.0.0` to
 * open it to the network; it is also what Next.js's standalone server
 * reads). With DATABASE_URL set — a deployment — Next.js's default stays:
 * every interface, unless `HOSTNAME` says otherwise.
 */
export function listenHost(env: Record<string, string | undefined>, embedded: boolean): string | null {
  const chosen = env.HOSTNAME?.trim();
  if (chosen) return chosen;
  return embedded ? "localhost" : null;
}

/** The arguments of `next dev|start`: the port, and the host when one is chosen (`-H`). */
export function nextServeArgs(mode: "dev" | "start", port: number, host: string | null): string[] {
  return [mode, "-p", String(port), ...(host ? ["-H", host] : [])];
}
