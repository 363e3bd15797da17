// Statistics for the benchmark: percentiles within one repeat, median and spread across repeats.

/** The p-th percentile (0..100) of samples by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The median of values (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One figure over several repeats: its median and how far the repeats spread. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: the spread as a fraction of the median; 0 for one repeat. */
  relSpread: number;
  /** Every repeat's value, in the order measured. */
  values: number[];
}

/** Median and min-max spread of one figure measured once per repeat. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, relSpread: Number.NaN, values: [] };
  const min = Math.min(...values);
  const max = Math.max(...values);
  const mid = median(values);
  return { median: mid, min, max, relSpread: mid === 0 ? 0 : (max - min) / mid, values: [...values] };
}

/** p50 and p99 of one repeat's latency samples, in the samples' unit. */
export interface LatencyPercentiles {
  p50: number;
  p99: number;
  count: number;
}

/** p50 and p99 of samples. */
export function latencyPercentiles(samples: readonly number[]): LatencyPercentiles {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), count: samples.length };
}

/** The ratio of two summaries' medians (host over baseline); NaN when the baseline is 0 or missing. */
export function ratio(numerator: number, denominator: number): number {
  return denominator > 0 && Number.isFinite(denominator) ? numerator / denominator : Number.NaN;
}
