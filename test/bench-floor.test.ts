// The bench's write-ahead floor: each call goes out between a commit that opens its entry and one
// that closes it, carrying what the host sends (an x-request-id and a deadline).
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { AsTheHostSends, BaselineClient } from "../bench/baseline.js";
import { floorCycle, openFloorJournal } from "../bench/floor.js";
import type { BenchOperation } from "../bench/sample-requests.js";
import { type CallWindow, CYCLE_OPERATIONS } from "../bench/workload.js";
import { tempDirPerTest } from "./support/temp-dir.js";

const dir = tempDirPerTest("cghost-bench-floor-");

describe("bench write-ahead floor", () => {
  it("opens an entry with a transitional row, then settles the row and closes the entry", () => {
    const journal = dir.track(openFloorJournal(join(dir.path, "floor.db"), "normal"));
    journal.before("op-1", "create_group");
    expect(journal.read("op-1")).toEqual({ state: "open", status: "creating" });
    journal.after("op-1");
    expect(journal.read("op-1")).toEqual({ state: "closed", status: "available" });
    // Another connection sees the commits, in a write-ahead log.
    const other = dir.track(new Database(join(dir.path, "floor.db"), { readonly: true }));
    expect(other.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(other.prepare("SELECT state FROM journal WHERE operation_id = 'op-1'").pluck().get()).toBe("closed");
  });

  it("refuses to close an entry that is not open, naming it, and changes nothing", () => {
    const journal = dir.track(openFloorJournal(join(dir.path, "floor.db"), "full"));
    expect(() => journal.after("never-opened")).toThrow("floor entry 'never-opened' was not open");
    journal.before("op-2", "delete_group");
    journal.after("op-2");
    expect(() => journal.after("op-2")).toThrow("floor entry 'op-2' was not open");
    expect(journal.read("op-2")).toEqual({ state: "closed", status: "available" });
    expect(journal.read("never-opened")).toBeUndefined();
  });

  it("sends every call while its entry is committed open, with the entry's id and a deadline", async () => {
    const journal = dir.track(openFloorJournal(join(dir.path, "floor.db"), "normal"));
    const seen: Array<{ op: BenchOperation; asHost: AsTheHostSends | undefined; during: unknown; at: number }> = [];
    // A second connection reads what is committed at the moment of the call.
    const reader = dir.track(new Database(join(dir.path, "floor.db"), { readonly: true }));
    const committed = reader.prepare<[string], { state: string; status: string }>(
      "SELECT journal.state, rows.status FROM journal JOIN rows ON rows.id = journal.operation_id WHERE journal.operation_id = ?",
    );
    const client: BaselineClient = {
      call: async (op, _request, asHost) => {
        seen.push({ op, asHost, during: asHost && committed.get(asHost.requestId), at: performance.now() });
      },
      close: () => {},
    };
    // Each call's window is the call alone: it opens after the first commit and closes before the second.
    const windows: CallWindow[] = [];
    await floorCycle(client, journal, CYCLE_OPERATIONS)((_op, fn) => {
      const call = { sent: Number.NaN, answered: Number.NaN };
      windows.push(call);
      return fn(call);
    });
    expect(seen.map((s) => s.op)).toEqual(CYCLE_OPERATIONS);
    seen.forEach(({ at }, i) => {
      expect(windows[i]!.sent).toBeLessThanOrEqual(at);
      expect(windows[i]!.answered).toBeGreaterThanOrEqual(at);
    });
    for (const { asHost, during } of seen) {
      expect(asHost?.deadlineMs).toBeGreaterThan(0);
      expect(during).toEqual({ state: "open", status: "creating" });
      expect(journal.read(asHost!.requestId)).toEqual({ state: "closed", status: "available" });
    }
    expect(new Set(seen.map((s) => s.asHost!.requestId)).size).toBe(CYCLE_OPERATIONS.length);
  });

  it("leaves the entry open when the call fails", async () => {
    const journal = dir.track(openFloorJournal(join(dir.path, "floor.db"), "normal"));
    let id = "";
    const client: BaselineClient = {
      call: async (_op, _request, asHost) => {
        id = asHost!.requestId;
        throw new Error("plugin gone");
      },
      close: () => {},
    };
    await expect(floorCycle(client, journal, ["create_group"])((_op, fn) => fn({ sent: Number.NaN, answered: Number.NaN }))).rejects.toThrow(
      "plugin gone",
    );
    expect(journal.read(id)).toEqual({ state: "open", status: "creating" });
  });
});
