// RULES.md section 6 as a pure table: decideDeleteCgSnapshot, one test per row.
import { describe, expect, it } from "vitest";
import { CgSnapshotStatus, DeleteCgSnapshotResponse, SnapshotStatus } from "../host/contract.js";
import { decideDeleteCgSnapshot } from "../host/rules/index.js";
import { CTX, cgsnapshotRow, lastErrorFor, raised, returned, snapshotRow, write } from "./support/rows.js";

const cgsnapshot = cgsnapshotRow("c1", "deleting");
const snapshots = [snapshotRow("s1", "deleting"), snapshotRow("s2", "deleting"), snapshotRow("s3", "deleting")];
const rows = { cgsnapshot, snapshots };

function answer(partial: Parameters<typeof DeleteCgSnapshotResponse.fromPartial>[0]) {
  return returned(DeleteCgSnapshotResponse.fromPartial(partial));
}

describe("delete cgsnapshot (RULES.md section 6)", () => {
  it("R6.1 a raise leaves the cgsnapshot and every snapshot error, and fails", () => {
    const outcome = raised<DeleteCgSnapshotResponse>("busy");
    const result = decideDeleteCgSnapshot(rows, outcome, CTX);
    expect(result.ruleId).toBe("R6.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual({ code: "DRIVER_FAILED", grpcCode: 13, message: "busy" });
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "deleting", "error", { lastError }),
      write("snapshot", "s1", "deleting", "error", { lastError }),
      write("snapshot", "s2", "deleting", "error", { lastError }),
      write("snapshot", "s3", "deleting", "error", { lastError }),
    ]);
  });

  it("R6.2 an error-like entry applies the entries, errors snapshots without a status, and fails", () => {
    const result = decideDeleteCgSnapshot(
      rows,
      answer({
        modelUpdate: { providerId: "cgs-1" },
        snapshotsModelUpdate: {
          updates: [
            { id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_DELETED },
            { id: "s2", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING, providerLocation: "still-here" },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R6.2");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("snapshot s2 error_deleting");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "deleting", "error", { provider: { providerId: "cgs-1" }, lastError }),
      write("snapshot", "s1", "deleting", "deleted"),
      write("snapshot", "s2", "deleting", "error_deleting", { provider: { providerLocation: "still-here" }, lastError }),
      write("snapshot", "s3", "deleting", "error", { lastError }),
    ]);
  });

  it("R6.2 model_update.status error-like with the list absent errors every snapshot, and fails", () => {
    const result = decideDeleteCgSnapshot(
      rows,
      answer({ modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING } }),
      CTX,
    );
    expect(result.ruleId).toBe("R6.2");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("cgsnapshot", "c1", "deleting", "error", { lastError }),
      write("snapshot", "s1", "deleting", "error", { lastError }),
      write("snapshot", "s2", "deleting", "error", { lastError }),
      write("snapshot", "s3", "deleting", "error", { lastError }),
    ]);
  });

  it("R6.2 model_update.status error with an empty list errors every snapshot, and fails", () => {
    const result = decideDeleteCgSnapshot(
      rows,
      answer({ modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR }, snapshotsModelUpdate: { updates: [] } }),
      CTX,
    );
    expect(result.ruleId).toBe("R6.2");
    expect(result.writes.map((w) => [w.id, w.status, w.lastError !== undefined])).toEqual([
      ["c1", "error", true],
      ["s1", "error", true],
      ["s2", "error", true],
      ["s3", "error", true],
    ]);
  });

  it("R6.3 otherwise the cgsnapshot and every snapshot are deleted, those without an entry too", () => {
    const result = decideDeleteCgSnapshot(
      rows,
      answer({
        modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED },
        snapshotsModelUpdate: { updates: [{ id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_DELETED }] },
      }),
      CTX,
    );
    expect(result).toStrictEqual({
      ruleId: "R6.3",
      ok: true,
      warnings: [],
      writes: [
        write("cgsnapshot", "c1", "deleting", "deleted"),
        write("snapshot", "s1", "deleting", "deleted"),
        write("snapshot", "s2", "deleting", "deleted"),
        write("snapshot", "s3", "deleting", "deleted"),
      ],
    });
  });

  it("R6.3 both fields absent delete everything", () => {
    const result = decideDeleteCgSnapshot(rows, answer({}), CTX);
    expect(result.ruleId).toBe("R6.3");
    expect(result.writes.every((w) => w.status === "deleted" && w.softDelete === true)).toBe(true);
  });
});
