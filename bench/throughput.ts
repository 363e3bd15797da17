// Throughput: calls per second at several numbers of concurrent callers, each caller creating and
// deleting its own groups, through the host and as bare round trips to the same plugin process.
import type { Host } from "../host/index.js";
import { baselineUnit } from "./baseline.js";
import type { ThroughputRow } from "./results.js";
import { openSession } from "./session.js";
import { type Summary, summarize } from "./stats.js";
import { withTempDir } from "./temp-dir.js";
import { measureThroughput, type ThroughputRecord, type Unit } from "./workload.js";

/** How long each throughput point runs. */
export interface ThroughputPlan {
  concurrencies: readonly number[];
  repeats: number;
  durationMs: number;
  /** Before each point, each side runs untimed for this long. */
  warmupMs: number;
  /**
   * Once per session, before the first point, each side runs this long (at the first concurrency):
   * the plugin process is new in every repeat, and the first side measured in it was ~40 % slower
   * than the same side measured later with only warmupMs before it.
   */
  sessionWarmupMs: number;
}

/** The host's unit: create an empty group, then delete it (two driver calls, on a group no other caller touches). */
export function hostUnit(host: Host): Unit {
  return async () => {
    const group = await host.createGroup({ name: "bench-group", volumeTypes: ["gold"] });
    await host.deleteGroup(group.id);
    return 2;
  };
}

/** Per repeat: one fresh session (normal durability); at each concurrency the baseline and host take turns going first. */
export async function runThroughput(plan: ThroughputPlan): Promise<{ rows: ThroughputRow[]; baselineBest: number; hostBest: number }> {
  const baseline = new Map<number, ThroughputRecord[]>(plan.concurrencies.map((c) => [c, []]));
  const host = new Map<number, ThroughputRecord[]>(plan.concurrencies.map((c) => [c, []]));
  for (let repeat = 0; repeat < plan.repeats; repeat++) {
    await withTempDir("throughput", async (dir) => {
      const session = await openSession(dir, { durability: "normal" });
      try {
        const first = plan.concurrencies[0] ?? 1;
        await measureThroughput(baselineUnit(session.baseline, { emptyGroup: true }), first, plan.sessionWarmupMs, 0);
        await measureThroughput(hostUnit(session.host), first, plan.sessionWarmupMs, 0);
        for (const concurrency of plan.concurrencies) {
          const runBaseline = async (): Promise<void> => {
            baseline.get(concurrency)!.push(await measureThroughput(baselineUnit(session.baseline, { emptyGroup: true }), concurrency, plan.durationMs, plan.warmupMs));
          };
          const runHost = async (): Promise<void> => {
            host.get(concurrency)!.push(await measureThroughput(hostUnit(session.host), concurrency, plan.durationMs, plan.warmupMs));
          };
          if (repeat % 2 === 0) {
            await runBaseline();
            await runHost();
          } else {
            await runHost();
            await runBaseline();
          }
        }
      } finally {
        await session.close();
      }
    });
  }
  const perSecond = (records: ThroughputRecord[]): Summary => summarize(records.map((r) => r.callsPerSecond));
  const cpu = (records: ThroughputRecord[]): Summary => summarize(records.map((r) => r.cpuUsPerCall));
  const baselineBest = Math.max(...plan.concurrencies.map((c) => perSecond(baseline.get(c)!).median));
  const hostBest = Math.max(...plan.concurrencies.map((c) => perSecond(host.get(c)!).median));
  const rows = plan.concurrencies.map((concurrency) => {
    const h = perSecond(host.get(concurrency)!);
    return {
      concurrency,
      baseline: perSecond(baseline.get(concurrency)!),
      host: h,
      ratioToBaselineBest: h.median / baselineBest,
      baselineCpuUsPerCall: cpu(baseline.get(concurrency)!),
      hostCpuUsPerCall: cpu(host.get(concurrency)!),
    };
  });
  return { rows, baselineBest, hostBest };
}
