import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { runAtFixedRate } from "~/server/queue/maintenance";

import { sleep } from "../fixtures/concurrency";

// SPEC §3.8 bounds a job's end by its deadline plus one cleanup interval.
// The schedule that carries the cleanup keeps that bound when passes take
// time: passes start at a fixed rate (start to start), never two at once.
// On Vitest's fake clock with the jitter at zero, so every start is exact.

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, "random").mockReturnValue(0.5);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function observe(intervalMs: number, passMs: number, forMs: number) {
  const starts: number[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const began = Date.now();
  const schedule = runAtFixedRate(intervalMs, async () => {
    starts.push(Date.now() - began);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    await sleep(passMs);
    running--;
  });
  await vi.advanceTimersByTimeAsync(forMs);
  const stopped = schedule.stop();
  await vi.advanceTimersByTimeAsync(passMs);
  await stopped;
  return { starts, mostAtOnce };
}

describe("the cleanup schedule", () => {
  it("starts passes at a fixed rate: a pass's own duration does not delay the next one", async () => {
    // Waiting an interval after each 150 ms pass would start at 200, 550, 900.
    const { starts, mostAtOnce } = await observe(200, 150, 1_000);
    expect(starts).toEqual([200, 400, 600, 800, 1_000]);
    expect(mostAtOnce).toBe(1);
  });

  it("never runs two passes at once: a pass longer than the interval is followed at once by the next", async () => {
    // Back to back, every 250 ms (a zero-delay timer fires after 1 ms);
    // waiting an interval after each 250 ms pass would start at 200, 650.
    const { starts, mostAtOnce } = await observe(200, 250, 1_000);
    expect(starts).toHaveLength(4);
    const gaps = starts.slice(1).map((start, index) => start - starts[index]!);
    for (const gap of gaps) expect([250, 251]).toContain(gap);
    expect(mostAtOnce).toBe(1);
  });

  it("stops: no pass starts after stop(), and stop() waits for the running one", async () => {
    let finished = 0;
    let started = 0;
    const schedule = runAtFixedRate(50, async () => {
      started++;
      await sleep(120);
      finished++;
    });
    await vi.advanceTimersByTimeAsync(80);
    const stopped = schedule.stop();
    await vi.advanceTimersByTimeAsync(120);
    await stopped;
    expect(started).toBe(1);
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(started).toBe(1);
  });
});
