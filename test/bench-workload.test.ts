// The bench's latency timer: each sample split at its driver call when the side reports the call's
// window, and the host's cycle reporting it from the host's "plugin-call" event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostCycle } from "../bench/host-latency.js";
import { type CallWindow, CYCLE_OPERATIONS, type LatencyRecord, runCycles } from "../bench/workload.js";
import { startHarness, type Harness } from "./support/host-harness.js";

const emptyRecord = (): LatencyRecord => ({ samples: {}, phases: {}, calls: 0, cpuUs: 0 });

/** Waits until performance.now() has moved past `ms` from now (a busy wait: the timer reads performance.now()). */
function busy(ms: number): void {
  for (const until = performance.now() + ms; performance.now() < until; );
}

describe("bench latency phases", () => {
  it("splits a sample at the call window its side reports", async () => {
    const record = emptyRecord();
    await runCycles(
      async (time) => {
        await time("create_group", async (call) => {
          busy(2);
          call.sent = performance.now();
          busy(3);
          call.answered = performance.now();
          busy(1);
        });
      },
      2,
      ["create_group"],
      record,
    );
    const phases = record.phases.create_group!;
    expect(phases.before).toHaveLength(2);
    expect(record.samples.create_group).toHaveLength(2);
    phases.before.forEach((before, i) => {
      expect(before).toBeGreaterThanOrEqual(2000);
      expect(phases.call[i]).toBeGreaterThanOrEqual(3000);
      expect(phases.after[i]).toBeGreaterThanOrEqual(1000);
      // The three parts are the sample, to rounding.
      expect(before + phases.call[i]! + phases.after[i]!).toBeCloseTo(record.samples.create_group![i]!, 6);
    });
  });

  it("keeps no phases for a side that reports no window, or one outside the sample", async () => {
    const record = emptyRecord();
    const outside = performance.now();
    await runCycles(
      async (time) => {
        await time("create_group", async () => busy(1));
        await time("delete_group", async (call) => {
          call.sent = outside;
          call.answered = performance.now();
        });
      },
      1,
      ["create_group", "delete_group"],
      record,
    );
    expect(record.samples.create_group).toHaveLength(1);
    expect(record.samples.delete_group).toHaveLength(1);
    expect(record.phases).toEqual({});
  });
});

describe("bench host cycle", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("reports each operation's one driver call as its window, and deletes what it created", async () => {
    const windows: Array<{ op: string; started: number; ended: number; call: CallWindow }> = [];
    await hostCycle(h.host, CYCLE_OPERATIONS)(async (op, fn) => {
      const call = { sent: Number.NaN, answered: Number.NaN };
      const started = performance.now();
      const result = await fn(call);
      windows.push({ op, started, ended: performance.now(), call });
      return result;
    });
    expect(windows.map((w) => w.op)).toEqual([...CYCLE_OPERATIONS, "delete_group"]);
    for (const { started, ended, call } of windows) {
      expect(call.sent).toBeGreaterThan(started);
      expect(call.answered).toBeGreaterThanOrEqual(call.sent);
      expect(call.answered).toBeLessThan(ended);
    }
    // One driver call per timed operation, and nothing of the cycle's groups left undeleted.
    expect(h.calls().map((c) => c.kind)).toEqual([...CYCLE_OPERATIONS, "delete_group"]);
    const groups = h.query<{ status: string }>("SELECT status FROM groups");
    expect(groups.map((g) => g.status)).toEqual(["deleted", "deleted"]);
    const cgsnapshots = h.query<{ status: string }>("SELECT status FROM cgsnapshots");
    expect(cgsnapshots.map((c) => c.status)).toEqual(["deleted"]);
  });
});
