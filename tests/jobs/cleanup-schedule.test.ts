import { describe, expect, it } from "vitest";

import { runAtFixedRate } from "~/server/jobs/cleanup-schedule";

import { sleep } from "../fixtures/concurrency";

// SPEC §3.8 bounds a job's end by its deadline plus one cleanup interval.
// The schedule that carries the cleanup keeps that bound when passes take
// time: passes start at a fixed rate (start to start), never two at once.

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
  await sleep(forMs);
  await schedule.stop();
  return { starts, mostAtOnce };
}

describe("the cleanup schedule", () => {
  it("starts passes at a fixed rate: a pass's own duration does not delay the next one", async () => {
    // Interval 200 ms, passes of 150 ms: start to start every ~200 ms
    // (6 starts in 1.3 s), where waiting an interval after each pass would
    // start every ~350 ms (4 starts at most).
    const { starts, mostAtOnce } = await observe(200, 150, 1_300);
    expect(starts.length).toBeGreaterThanOrEqual(5);
    expect(mostAtOnce).toBe(1);
  });

  it("never runs two passes at once: a pass longer than the interval is followed at once by the next", async () => {
    // Interval 200 ms, passes of 250 ms: back to back, every ~250 ms (not
    // ~450 ms), and never overlapping.
    const { starts, mostAtOnce } = await observe(200, 250, 1_000);
    expect(mostAtOnce).toBe(1);
    const gaps = starts.slice(1).map((start, index) => start - starts[index]!);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(245);
      expect(gap).toBeLessThan(380);
    }
    expect(starts.length).toBeGreaterThanOrEqual(3);
  });

  it("stops: no pass starts after stop(), and stop() waits for the running one", async () => {
    let finished = 0;
    let started = 0;
    const schedule = runAtFixedRate(50, async () => {
      started++;
      await sleep(120);
      finished++;
    });
    await sleep(80);
    await schedule.stop();
    expect(started).toBe(1);
    expect(finished).toBe(1);
    await sleep(200);
    expect(started).toBe(1);
  });
});
