// The shape of one benchmark run's results, as written to bench/results/*.json.
import type { BenchOperation } from "./sample-requests.js";
import type { Summary } from "./stats.js";

/** SQLite commit durability, as the store names it. */
export type DurabilityName = "normal" | "full";

/** One operation's one-at-a-time latency, host and baseline, in microseconds. */
export interface LatencyRow {
  durability: DurabilityName;
  operation: BenchOperation;
  baselineP50: Summary;
  baselineP99: Summary;
  hostP50: Summary;
  hostP99: Summary;
  /** Host p50 over baseline p50, computed within each repeat (same plugin process), summarised. */
  ratioP50: Summary;
  ratioP99: Summary;
  /** For reference: the same round trip to a bare grpc-js server with no plugin SDK (bench/bare-server.ts). */
  bareServerP50: Summary;
  /**
   * For reference: the baseline's round trip sent as the host sends its calls, with an
   * `x-request-id` and a deadline; no commits (bench/baseline.ts sendAsTheHost).
   */
  asHostSendsP50: Summary;
  /**
   * For reference: the baseline's round trip when the client was busy for GAP_BUSY_US just before
   * it, as the host is with its transactions (the plugin's process has gone idle meanwhile).
   */
  baselineAfterBusyP50: Summary;
  /**
   * For reference: the write-ahead floor (bench/floor.ts), the baseline's round trip between two
   * minimal commits and sent as the host sends its calls; and its p50 over the baseline's.
   */
  floorP50: Summary;
  floorRatioP50: Summary;
  /** The host's p50 split at its driver call (from the host's "plugin-call" event). */
  hostPhasesP50: PhaseSummary;
  /** The write-ahead floor's: its first commit, its call, its second commit. */
  floorPhasesP50: PhaseSummary;
  /**
   * CPU time of the bench process per driver call while each side ran (every operation of the
   * cycle, so the same for every row of one durability): the host's own cost, free of the
   * scheduling noise that wall-clock latency picks up on a shared machine.
   */
  baselineCpuUsPerCall: Summary;
  hostCpuUsPerCall: Summary;
  /** The write-ahead floor's, when it ran (full runs). */
  floorCpuUsPerCall: Summary;
}

/** One operation's time split at its driver call, µs: before it was sent, the call, after its answer. */
export interface PhaseSummary {
  before: Summary;
  call: Summary;
  after: Summary;
}

/** Calls per second at one concurrency. */
export interface ThroughputRow {
  concurrency: number;
  baseline: Summary;
  host: Summary;
  /** Host median over the baseline's best median (over every concurrency measured). */
  ratioToBaselineBest: number;
  /** CPU time of the calling process per call, µs: the bench process is one thread, so this caps calls/s. */
  baselineCpuUsPerCall: Summary;
  hostCpuUsPerCall: Summary;
}

/** One scale case: one operation on a group of `volumes` volumes, in its own host process. */
export interface ScaleRow {
  volumes: number;
  operation: string;
  answer: string;
  ms: Summary;
  /** Peak RSS of the host process running only this case, MiB. */
  peakRssMiB: Summary;
}

/** Plugin start for one plugin: launch to handshake done, and launch to the first successful call. */
export interface PluginStartRow {
  plugin: string;
  readyMs: Summary;
  firstCallMs: Summary;
}

/** Everything one run measured. */
export interface BenchResults {
  meta: {
    startedAt: string;
    finishedAt: string;
    quick: boolean;
    repeats: number;
    node: string;
    grpcJs: string;
    cpus: number;
    cpuModel: string;
    /** os.loadavg() at the start and the end: other work on the machine skews every figure. */
    loadavgStart: number[];
    loadavgEnd: number[];
    /** What the baseline's server was: the very plugin process the host calls, or the bare server. */
    baselineServer: string;
  };
  latency: LatencyRow[];
  throughput: ThroughputRow[];
  baselineBestThroughput: number | null;
  scale: ScaleRow[];
  pluginStart: PluginStartRow[];
  /** The two figures the targets are stated in (normal durability). */
  headline: { latencyRatioP50: number; throughputRatio: number };
}
