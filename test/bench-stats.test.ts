// The benchmark's statistics: nearest-rank percentiles, medians and spreads over repeats.
import { describe, expect, it } from "vitest";
import { latencyPercentiles, median, percentile, ratio, summarize } from "../bench/stats.js";

describe("bench statistics", () => {
  it("percentile uses the nearest rank and does not reorder its input", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(percentile(samples, 50)).toBe(3);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile(samples, 100)).toBe(5);
    expect(percentile(samples, 99)).toBe(5);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });

  it("p99 of 1..1000 is 990 and p50 is 500", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(latencyPercentiles(samples)).toEqual({ p50: 500, p99: 990, count: 1000 });
  });

  it("percentile of nothing is NaN and an out-of-range p is refused", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it("median takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("summarize reports median, min, max and the spread relative to the median", () => {
    const s = summarize([110, 90, 100]);
    expect(s).toMatchObject({ median: 100, min: 90, max: 110, values: [110, 90, 100] });
    expect(s.relSpread).toBeCloseTo(0.2);
    expect(summarize([7]).relSpread).toBe(0);
  });

  it("ratio is NaN when the baseline is zero or missing", () => {
    expect(ratio(300, 200)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, Number.NaN)).toBeNaN();
  });
});
