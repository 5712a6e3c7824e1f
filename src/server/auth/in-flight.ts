import "server-only";

/**
 * At most `running` calls per key at once in this process; the rest wait
 * their turn (up to `waitingMax`, past which `work` is not run and
 * `InFlightFull` is thrown). The sign-in throttle counts only failures that
 * finished, so parallel guesses would all pass its check before the first
 * is counted: queuing them per account and per address makes each check
 * see the failures before it, while simultaneous sign-ins still all get in.
 */
export class InFlightFull extends Error {
  constructor() {
    super("Too many attempts in flight");
    this.name = "InFlightFull";
  }
}

type Lane = { running: number; waiting: (() => void)[] };
const lanes = new Map<string, Lane>();

export async function withInFlightLimit<T>(key: string, limits: { running: number; waitingMax: number }, work: () => Promise<T>): Promise<T> {
  let lane = lanes.get(key);
  if (!lane) lanes.set(key, (lane = { running: 0, waiting: [] }));
  if (lane.running >= limits.running) {
    if (lane.waiting.length >= limits.waitingMax) throw new InFlightFull();
    await new Promise<void>((resolve) => lane.waiting.push(resolve));
  } else {
    lane.running++;
  }
  try {
    return await work();
  } finally {
    const next = lane.waiting.shift();
    // The slot passes straight to the next in line; the lane goes when nobody needs it.
    if (next) next();
    else if (--lane.running === 0) lanes.delete(key);
  }
}
