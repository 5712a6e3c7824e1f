import { describe, expect, it } from "vitest";

import { seededRandom } from "./random";

// The chaos schedule (operations, keys, amounts, crash plans, faults) is
// drawn from these streams: the same seed must give the same draws.
describe("the chaos suite's seeded streams", () => {
  const draw = (seed: number) => {
    const rng = seededRandom(seed);
    return Array.from({ length: 200 }, (_, index) => (index % 3 === 0 ? rng.uuid() : index % 3 === 1 ? rng.int(1, 1_000) : rng.chance(0.3)));
  };

  it("replays the same schedule for the same seed", () => {
    expect(draw(1305088118)).toEqual(draw(1305088118));
  });

  it("gives another schedule for another seed", () => {
    expect(draw(1)).not.toEqual(draw(2));
  });

  it("draws valid UUID v4 idempotency keys", () => {
    const rng = seededRandom(7);
    for (let i = 0; i < 100; i++) expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
