// One-at-a-time latency of the six operations through the host, beside the baseline round trip
// to the same plugin process, for one SQLite durability; and, for reference, the round trip to a
// bare grpc-js server (no plugin SDK) answering the same messages, the baseline after a busy gap,
// and the write-ahead floor (bench/floor.ts).
import { join } from "node:path";
import type { Host } from "../host/index.js";
import { startBareServer } from "./bare-server-process.js";
import { baselineCycle, openBaselineClient, sendAsTheHost } from "./baseline.js";
import { floorCycle, openFloorJournal } from "./floor.js";
import type { DurabilityName, LatencyRow, PhaseSummary } from "./results.js";
import type { BenchOperation } from "./sample-requests.js";
import { openSession } from "./session.js";
import { latencyPercentiles, percentile, ratio, summarize } from "./stats.js";
import { withTempDir } from "./temp-dir.js";
import { type CallWindow, type Cycle, GAP_BUSY_US, type LatencyPlan, type LatencyRecord, measureLatencySides, type PhaseSamples } from "./workload.js";

const SNAPSHOT_OPERATIONS: readonly BenchOperation[] = ["create_cgsnapshot", "create_group_from_source", "delete_cgsnapshot"];

/**
 * The host's cycle, shaped like sampleRequests(): a group of one volume, a cgsnapshot of one
 * snapshot, a clone of one volume; everything it creates it deletes. The cgsnapshot steps are
 * skipped when none of them is measured. Each operation's call window comes from the host's
 * "plugin-call" event, emitted once per driver call as its answer is taken in, with the call's
 * duration.
 */
export function hostCycle(host: Host, operations: readonly BenchOperation[]): Cycle {
  const withSnapshots = operations.some((op) => SNAPSHOT_OPERATIONS.includes(op));
  let current: CallWindow | undefined;
  host.on("plugin-call", (event) => {
    if (current === undefined) return;
    current.answered = performance.now();
    current.sent = current.answered - event.ms;
  });
  return async (time) => {
    // Each operation makes one driver call; the window is the one of the operation being timed.
    const timed = <T>(op: BenchOperation, fn: () => Promise<T>): Promise<T> =>
      time(op, async (call) => {
        current = call;
        try {
          return await fn();
        } finally {
          current = undefined;
        }
      });
    const volume = host.registerVolume({ sizeGb: 1, volumeType: "gold" });
    const group = await timed("create_group", () => host.createGroup({ name: "bench-group", volumeTypes: ["gold"] }));
    await timed("update_group", () => host.updateGroup(group.id, { addVolumeIds: [volume.id] }));
    if (withSnapshots) {
      const { cgsnapshot } = await timed("create_cgsnapshot", () => host.createCgSnapshot(group.id, {}));
      const clone = await timed("create_group_from_source", () =>
        host.createGroupFromSource({ name: "bench-clone", source: { cgsnapshotId: cgsnapshot.id } }),
      );
      await timed("delete_cgsnapshot", () => host.deleteCgSnapshot(cgsnapshot.id));
      await timed("delete_group", () => host.deleteGroup(clone.group.id, { deleteVolumes: true }));
    }
    await timed("delete_group", () => host.deleteGroup(group.id, { deleteVolumes: true }));
  };
}

/**
 * Per repeat: one fresh plugin, store and host; the baseline and the host, and with
 * `referenceSides` the round trip to a bare grpc-js server, the baseline sent as the host sends,
 * the baseline after a busy gap and the write-ahead floor, run in blocks taken in turn.
 */
export async function runLatency(options: {
  durability: DurabilityName;
  repeats: number;
  plan: LatencyPlan;
  /** Also time the reference sides (off in the quick run). */
  referenceSides: boolean;
}): Promise<LatencyRow[]> {
  const runs: Array<{
    baseline: LatencyRecord;
    host: LatencyRecord;
    bare?: LatencyRecord;
    asHostSends?: LatencyRecord;
    afterBusy?: LatencyRecord;
    floor?: LatencyRecord;
  }> = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    await withTempDir(`latency-${options.durability}`, async (dir) => {
      const session = await openSession(dir, { durability: options.durability });
      try {
        const operations = options.plan.operations;
        const sides = [baselineCycle(session.baseline, operations), hostCycle(session.host, operations)];
        if (!options.referenceSides) {
          const [b, h] = await measureLatencySides(sides, options.plan);
          runs.push({ baseline: b!, host: h! });
          return;
        }
        const bare = await startBareServer(dir);
        try {
          const journal = openFloorJournal(join(dir, "floor.db"), options.durability);
          try {
            const bareClient = await openBaselineClient(bare.address);
            try {
              const references = [
                baselineCycle(bareClient, operations),
                baselineCycle(session.baseline, operations, { send: sendAsTheHost(session.baseline) }),
                baselineCycle(session.baseline, operations, { busyUsBefore: GAP_BUSY_US }),
                floorCycle(session.baseline, journal, operations),
              ];
              const [b, h, r, a, g, f] = await measureLatencySides([...sides, ...references], options.plan);
              runs.push({ baseline: b!, host: h!, bare: r!, asHostSends: a!, afterBusy: g!, floor: f! });
            } finally {
              bareClient.close();
            }
          } finally {
            journal.close();
          }
        } finally {
          await bare.stop();
        }
      } finally {
        await session.close();
      }
    });
  }
  return options.plan.operations.map((operation) => {
    type Side = keyof (typeof runs)[number];
    const p = (side: Side) => runs.map((run) => latencyPercentiles(run[side]?.samples[operation] ?? []));
    const [base, host, bare, asHostSends, afterBusy, floor] = [p("baseline"), p("host"), p("bare"), p("asHostSends"), p("afterBusy"), p("floor")];
    // Each part's p50 within a repeat, summarised over the repeats like every other figure.
    const phases = (side: "host" | "floor"): PhaseSummary => {
      const part = (name: keyof PhaseSamples) =>
        summarize(runs.flatMap((run) => {
          const samples = run[side]?.phases[operation]?.[name];
          return samples === undefined || samples.length === 0 ? [] : [percentile(samples, 50)];
        }));
      return { before: part("before"), call: part("call"), after: part("after") };
    };
    const cpu = (side: "baseline" | "host" | "floor") =>
      summarize(runs.flatMap((run) => (run[side] === undefined ? [] : [run[side].cpuUs / run[side].calls])));
    return {
      durability: options.durability,
      operation,
      baselineP50: summarize(base.map((x) => x.p50)),
      baselineP99: summarize(base.map((x) => x.p99)),
      hostP50: summarize(host.map((x) => x.p50)),
      hostP99: summarize(host.map((x) => x.p99)),
      ratioP50: summarize(host.map((x, i) => ratio(x.p50, base[i]!.p50))),
      ratioP99: summarize(host.map((x, i) => ratio(x.p99, base[i]!.p99))),
      bareServerP50: summarize(bare.map((x) => x.p50)),
      asHostSendsP50: summarize(asHostSends.map((x) => x.p50)),
      baselineAfterBusyP50: summarize(afterBusy.map((x) => x.p50)),
      floorP50: summarize(floor.map((x) => x.p50)),
      floorRatioP50: summarize(floor.map((x, i) => ratio(x.p50, base[i]!.p50))),
      hostPhasesP50: phases("host"),
      floorPhasesP50: phases("floor"),
      baselineCpuUsPerCall: cpu("baseline"),
      hostCpuUsPerCall: cpu("host"),
      floorCpuUsPerCall: cpu("floor"),
    };
  });
}
