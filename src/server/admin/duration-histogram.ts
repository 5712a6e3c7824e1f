/**
 * Job durations as a log-scale histogram (DDSketch's bucketing), so that
 * percentiles can be merged across the hourly roll-ups: percentiles of
 * hours cannot be added, their histograms can.
 *
 * Bucket i > 0 holds the durations in (γ^(i-1), γ^i] milliseconds, with
 * γ = (1 + α) / (1 − α) and α = 2 %; bucket 0 holds everything up to 1 ms.
 * A bucket reads back as 2·γ^i / (γ + 1), which is within α (2 %) of every
 * duration in it. PostgreSQL's `admin_duration_bucket()` (migration
 * 20261130200000_admin_rollups) assigns the buckets, for the roll-ups and
 * for every live or full recount alike, so both sides bucket a duration
 * identically and their percentiles agree exactly.
 */
export const durationRelativeErrorMax = 0.02;

const gamma = (1 + durationRelativeErrorMax) / (1 - durationRelativeErrorMax);

/** One histogram bucket and how many durations fell in it. */
export type DurationBucket = { bucket: number; jobs: number };

/** The value a bucket stands for, in milliseconds (bucket 0, "≤ 1 ms", reads as 1 ms). */
export function bucketValueMs(bucket: number): number {
  if (bucket <= 0) return 1;
  return (2 * gamma ** bucket) / (gamma + 1);
}

/**
 * The nearest-rank percentile (the value at rank ⌈p·n/100⌉ of the n sorted
 * durations, like `percentile_disc`) read from a histogram; null when it is
 * empty. `percent` is a whole number so the rank is exact integer arithmetic.
 */
export function percentileFromHistogram(buckets: readonly DurationBucket[], percent: number): number | null {
  const total = buckets.reduce((sum, entry) => sum + entry.jobs, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((percent * total) / 100));
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  let seen = 0;
  for (const entry of sorted) {
    seen += entry.jobs;
    if (seen >= rank) return bucketValueMs(entry.bucket);
  }
  return bucketValueMs(sorted.at(-1)!.bucket);
}
