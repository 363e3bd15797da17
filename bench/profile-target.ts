// One workload alone in this process, to profile it:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/profile-target.js MODE [seconds] [durability]
// MODE: `latency` runs the host's six-operation cycle one call at a time; `baseline-latency` the
// same cycle as bare round trips to the same plugin, one at a time; `throughput` runs 64
// callers of create+delete through the host; `baseline-throughput` the same 64 callers as bare
// round trips to the same plugin. It prints calls per second, the event loop's utilisation and
// this process's CPU time per call.
import { performance } from "node:perf_hooks";
import { hostCycle } from "./host-latency.js";
import type { DurabilityName } from "./results.js";
import { openSession } from "./session.js";
import { withTempDir } from "./temp-dir.js";
import { baselineCycle, baselineUnit } from "./baseline.js";
import { hostUnit } from "./throughput.js";
import { CYCLE_OPERATIONS, type Timer } from "./workload.js";

const mode = process.argv[2] ?? "throughput";
const seconds = Number(process.argv[3] ?? 10);
const durability = (process.argv[4] ?? "normal") as DurabilityName;

await withTempDir("profile", async (dir) => {
  const session = await openSession(dir, { durability });
  try {
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const until = performance.now() + seconds * 1000;
    let calls = 0;
    if (mode === "latency" || mode === "baseline-latency") {
      const cycle = mode === "latency" ? hostCycle(session.host, CYCLE_OPERATIONS) : baselineCycle(session.baseline, CYCLE_OPERATIONS);
      const time: Timer = (_op, fn) => {
        calls++;
        return fn({ sent: Number.NaN, answered: Number.NaN });
      };
      while (performance.now() < until) await cycle(time);
    } else {
      const unit = mode === "baseline-throughput" ? baselineUnit(session.baseline, { emptyGroup: true }) : hostUnit(session.host);
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < until) {
            const n = await unit();
            calls += n;
          }
        }),
      );
    }
    const busy = performance.eventLoopUtilization(elu).utilization;
    const used = process.cpuUsage(cpu);
    const perSecond = calls / seconds;
    console.log(
      `${mode}: ${perSecond.toFixed(0)} calls/s, event loop busy ${(busy * 100).toFixed(0)}%, ` +
        `${((used.user + used.system) / calls).toFixed(0)} µs of CPU of this process per call`,
    );
  } finally {
    await session.close();
  }
});
