// RULES.md section 5 as a pure table: decideCreateCgSnapshot, one test per row. Only `error`
// fails a create; `error_deleting` ends available (the reference does the same).
import { describe, expect, it } from "vitest";
import { CgSnapshotStatus, CreateCgSnapshotResponse, SnapshotStatus } from "../host/contract.js";
import { decideCreateCgSnapshot } from "../host/rules/index.js";
import { CTX, cgsnapshotRow, lastErrorFor, raised, returned, snapshotRow, write } from "./support/rows.js";

const cgsnapshot = cgsnapshotRow("c1", "creating");
const snapshots = [snapshotRow("s1", "creating"), snapshotRow("s2", "creating"), snapshotRow("s3", "creating")];
const rows = { cgsnapshot, snapshots };

function answer(partial: Parameters<typeof CreateCgSnapshotResponse.fromPartial>[0]) {
  return returned(CreateCgSnapshotResponse.fromPartial(partial));
}

describe("create cgsnapshot (RULES.md section 5)", () => {
  it("R5.1 a raise leaves the cgsnapshot and every snapshot error, and fails", () => {
    const outcome = raised<CreateCgSnapshotResponse>("quiesce timed out", 4);
    const result = decideCreateCgSnapshot(rows, outcome, CTX);
    expect(result.ruleId).toBe("R5.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual({ code: "DRIVER_FAILED", grpcCode: 4, message: "quiesce timed out" });
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "creating", "error", { lastError }),
      write("snapshot", "s1", "creating", "error", { lastError }),
      write("snapshot", "s2", "creating", "error", { lastError }),
      write("snapshot", "s3", "creating", "error", { lastError }),
    ]);
  });

  it("R5.2 an entry with status error applies the entries, errors snapshots without one, and fails", () => {
    const result = decideCreateCgSnapshot(
      rows,
      answer({
        modelUpdate: { providerLocation: "snapgroup-1" },
        snapshotsModelUpdate: {
          updates: [
            { id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE, providerId: "snap-a" },
            { id: "s2", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R5.2");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("snapshot s2 error");
    expect(result.failure?.message).toContain("s3");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "creating", "error", { provider: { providerLocation: "snapgroup-1" }, lastError }),
      write("snapshot", "s1", "creating", "available", { provider: { providerId: "snap-a" } }),
      write("snapshot", "s2", "creating", "error", { lastError }),
      write("snapshot", "s3", "creating", "error", { lastError }),
    ]);
  });

  it("R5.2 model_update with status error and the list absent errors every snapshot, and fails", () => {
    const result = decideCreateCgSnapshot(rows, answer({ modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR } }), CTX);
    expect(result.ruleId).toBe("R5.2");
    expect(result.ok).toBe(false);
    expect(result.failure?.message).toContain("cgsnapshot c1 error");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "creating", "error", { lastError }),
      write("snapshot", "s1", "creating", "error", { lastError }),
      write("snapshot", "s2", "creating", "error", { lastError }),
      write("snapshot", "s3", "creating", "error", { lastError }),
    ]);
  });

  it("R5.2 an error entry fails even after an error_deleting entry (host rule; the reference's promotion would hide it)", () => {
    const result = decideCreateCgSnapshot(
      rows,
      answer({
        snapshotsModelUpdate: {
          updates: [
            { id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING },
            { id: "s2", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR },
            { id: "s3", status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R5.2");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "creating", "error", { lastError }),
      write("snapshot", "s1", "creating", "error_deleting", { lastError }),
      write("snapshot", "s2", "creating", "error", { lastError }),
      write("snapshot", "s3", "creating", "available"),
    ]);
  });

  it("R5.3 otherwise entries' fields are applied, then the cgsnapshot and every snapshot are available", () => {
    const result = decideCreateCgSnapshot(
      rows,
      answer({
        modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE, providerLocation: "snapgroup-1" },
        snapshotsModelUpdate: { updates: [{ id: "s2", providerId: "snap-b", metadata: { lun: "7" } }] },
      }),
      CTX,
    );
    expect(result).toStrictEqual({
      ruleId: "R5.3",
      ok: true,
      warnings: [],
      writes: [
        write("cgsnapshot", "c1", "creating", "available", { provider: { providerLocation: "snapgroup-1" } }),
        write("snapshot", "s1", "creating", "available"),
        write("snapshot", "s2", "creating", "available", { provider: { providerId: "snap-b", metadata: { lun: "7" } } }),
        write("snapshot", "s3", "creating", "available"),
      ],
    });
  });

  it("R5.3 error_deleting (an entry or model_update) does not fail a create: everything ends available, with a warning", () => {
    const result = decideCreateCgSnapshot(
      rows,
      answer({
        modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING },
        snapshotsModelUpdate: { updates: [{ id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING }] },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R5.3");
    expect(result.ok).toBe(true);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "creating", "available"),
      write("snapshot", "s1", "creating", "available"),
      write("snapshot", "s2", "creating", "available"),
      write("snapshot", "s3", "creating", "available"),
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("snapshot s1 error_deleting");
  });

  it("R5.3 both fields absent end everything available", () => {
    const result = decideCreateCgSnapshot(rows, answer({}), CTX);
    expect(result.ruleId).toBe("R5.3");
    expect(result.writes.map((w) => w.status)).toEqual(["available", "available", "available", "available"]);
  });
});
