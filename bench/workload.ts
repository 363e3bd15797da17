// The benchmark's workload, the same for the baseline and the host: which operations one
// latency cycle times, and the create-then-delete unit each throughput caller repeats.
import type { BenchOperation } from "./sample-requests.js";

/** The six operations in the order one latency cycle runs them. */
export const CYCLE_OPERATIONS: readonly BenchOperation[] = [
  "create_group",
  "update_group",
  "create_cgsnapshot",
  "create_group_from_source",
  "delete_cgsnapshot",
  "delete_group",
];

/**
 * How long the client of the reference side keeps busy before each call: about what the host
 * spends between two driver calls one at a time (the outcome's transaction, the next operation's
 * checks, journal entry and transitional statuses).
 */
export const GAP_BUSY_US = 300;

/** What the quick run times one at a time. */
export const QUICK_OPERATIONS: readonly BenchOperation[] = ["create_group", "delete_group"];

/**
 * When the driver call of the operation being timed went out and when its answer was back
 * (performance.now(), ms). NaN until the side sets them: the host's cycle learns them from the
 * host's "plugin-call" event, the write-ahead floor from around its own call.
 */
export interface CallWindow {
  sent: number;
  answered: number;
}

/**
 * Records how long fn takes as one sample of op, when op is being measured, and, when fn fills
 * in the window it is given, the time before, during and after the driver call; runs fn either way.
 */
export type Timer = <T>(op: BenchOperation, fn: (call: CallWindow) => Promise<T>) => Promise<T>;

/** One pass through the operations: creates what it needs, times each call through `time`, cleans up. */
export type Cycle = (time: Timer) => Promise<void>;

/** How long a latency measurement runs. */
export interface LatencyPlan {
  /** Cycles run untimed first by each side, to warm the JIT, the channel and the database. */
  warmup: number;
  /**
   * And for at least this long (ms): grpc-js, the plugin and the host reach their steady speed
   * only after a few thousand calls. Measured: the baseline's p50 after 300 warm-up calls read
   * 1035 µs, after 2,000 calls 525 µs, after 4,000 calls 381 µs.
   */
  warmupMs: number;
  /** Timed cycles per side; each gives one sample per operation (two for delete_group on the host). */
  iterations: number;
  /**
   * The timed cycles are run in this many blocks, the baseline's and the host's alternating, so
   * both meet the same conditions (other load on the machine drifts over seconds).
   */
  blocks: number;
  /** The operations whose samples are kept. */
  operations: readonly BenchOperation[];
}

/** Latency samples in microseconds, per operation. */
export type LatencySamples = Partial<Record<BenchOperation, number[]>>;

/** One operation's samples split at its driver call, µs: up to the call, the call, after it. */
export interface PhaseSamples {
  before: number[];
  call: number[];
  after: number[];
}

/** What one side of a latency measurement recorded. */
export interface LatencyRecord {
  samples: LatencySamples;
  /** For sides that report their call window: each kept sample split at the driver call. */
  phases: Partial<Record<BenchOperation, PhaseSamples>>;
  /** Driver calls made while timed (every operation, kept or not). */
  calls: number;
  /** CPU time this process spent on the timed cycles, µs (user + system). */
  cpuUs: number;
}

/** Runs `cycles` cycles; when `into` is given, adds each kept operation's latency (µs), the calls and the CPU time to it. */
export async function runCycles(cycle: Cycle, cycles: number, keep: readonly BenchOperation[], into?: LatencyRecord): Promise<void> {
  const kept = new Set(keep);
  const time: Timer = async (op, fn) => {
    const call: CallWindow = { sent: Number.NaN, answered: Number.NaN };
    if (into === undefined) return fn(call);
    into.calls++;
    if (!kept.has(op)) return fn(call);
    const started = performance.now();
    const result = await fn(call);
    const ended = performance.now();
    (into.samples[op] ??= []).push((ended - started) * 1000);
    if (started <= call.sent && call.sent <= call.answered && call.answered <= ended) {
      const phases = (into.phases[op] ??= { before: [], call: [], after: [] });
      phases.before.push((call.sent - started) * 1000);
      phases.call.push((call.answered - call.sent) * 1000);
      phases.after.push((ended - call.answered) * 1000);
    }
    return result;
  };
  const cpu = process.cpuUsage();
  for (let i = 0; i < cycles; i++) await cycle(time);
  if (into !== undefined) {
    const used = process.cpuUsage(cpu);
    into.cpuUs += used.user + used.system;
  }
}

/**
 * Warms every cycle, then times them in blocks taken in turn (the order rotating from block to
 * block), so every side meets the same conditions; returns what each side recorded.
 */
export async function measureLatencySides(cycles: readonly Cycle[], plan: LatencyPlan): Promise<LatencyRecord[]> {
  const records = cycles.map((): LatencyRecord => ({ samples: {}, phases: {}, calls: 0, cpuUs: 0 }));
  for (const cycle of cycles) {
    const until = performance.now() + plan.warmupMs;
    await runCycles(cycle, plan.warmup, plan.operations);
    while (performance.now() < until) await runCycles(cycle, 10, plan.operations);
  }
  const perBlock = Math.max(1, Math.ceil(plan.iterations / plan.blocks));
  for (let done = 0, block = 0; done < plan.iterations; done += perBlock, block++) {
    const n = Math.min(perBlock, plan.iterations - done);
    for (let k = 0; k < cycles.length; k++) {
      const side = (block + k) % cycles.length;
      await runCycles(cycles[side]!, n, plan.operations, records[side]);
    }
  }
  return records;
}

/** One throughput unit: does some calls and returns how many it did. */
export type Unit = () => Promise<number>;

/** What one throughput measurement found. */
export interface ThroughputRecord {
  callsPerSecond: number;
  /** CPU time of this process per call, µs: at saturation, what limits calls per second. */
  cpuUsPerCall: number;
}

/** Runs `concurrency` callers, each repeating unit back to back for durationMs, after a warmup of warmupMs. */
export async function measureThroughput(unit: Unit, concurrency: number, durationMs: number, warmupMs: number): Promise<ThroughputRecord> {
  const loop = async (untilMs: number, counter: { calls: number }): Promise<void> => {
    while (performance.now() < untilMs) {
      // Not `counter.calls += await unit()`: that reads the count before awaiting and loses the others' calls.
      const calls = await unit();
      counter.calls += calls;
    }
  };
  const run = async (ms: number): Promise<ThroughputRecord> => {
    const counter = { calls: 0 };
    const cpu = process.cpuUsage();
    const started = performance.now();
    const until = started + ms;
    await Promise.all(Array.from({ length: concurrency }, () => loop(until, counter)));
    const used = process.cpuUsage(cpu);
    return {
      callsPerSecond: counter.calls / ((performance.now() - started) / 1000),
      cpuUsPerCall: (used.user + used.system) / counter.calls,
    };
  };
  if (warmupMs > 0) await run(warmupMs);
  return run(durationMs);
}
