// RULES.md section 3 as a pure table: decideDeleteGroup, one test per row (and per branch of the
// failing rows: list absent, empty, partial; promotion; which row wins when several apply).
import { describe, expect, it } from "vitest";
import { DeleteConsistencyGroupResponse, GroupStatus, VolumeStatus } from "../host/contract.js";
import { decideDeleteGroup } from "../host/rules/index.js";
import { CTX, groupRow, lastErrorFor, raised, returned, volumeRow, write } from "./support/rows.js";

const group = groupRow("g1", "deleting");
const volumes = [volumeRow("v1", "deleting"), volumeRow("v2", "deleting"), volumeRow("v3", "deleting")];

function answer(partial: Parameters<typeof DeleteConsistencyGroupResponse.fromPartial>[0]) {
  return returned(DeleteConsistencyGroupResponse.fromPartial(partial));
}

const allDeleted = [
  write("group", "g1", "deleting", "deleted"),
  write("volume", "v1", "deleting", "deleted"),
  write("volume", "v2", "deleting", "deleted"),
  write("volume", "v3", "deleting", "deleted"),
];

describe("delete group (RULES.md section 3)", () => {
  it("R3.1 a raise leaves the group and every volume error, and fails", () => {
    const outcome = raised<DeleteConsistencyGroupResponse>("array unreachable", 14);
    const result = decideDeleteGroup({ group, volumes }, outcome, CTX);
    expect(result.ruleId).toBe("R3.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual({ code: "DRIVER_FAILED", grpcCode: 14, message: "array unreachable" });
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { lastError }),
      write("volume", "v1", "deleting", "error", { lastError }),
      write("volume", "v2", "deleting", "error", { lastError }),
      write("volume", "v3", "deleting", "error", { lastError }),
    ]);
  });

  it("R3.2 no error-like status anywhere deletes the group and every volume, those without an entry too", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_DELETED, providerId: "cg-9" },
        volumesModelUpdate: {
          updates: [
            { id: "v1", status: VolumeStatus.VOLUME_STATUS_DELETED },
            { id: "v2", status: VolumeStatus.VOLUME_STATUS_AVAILABLE, providerLocation: "gone" },
          ],
        },
      }),
      CTX,
    );
    expect(result).toStrictEqual({
      ruleId: "R3.2",
      ok: true,
      warnings: [],
      writes: [
        write("group", "g1", "deleting", "deleted", { provider: { providerId: "cg-9" } }),
        write("volume", "v1", "deleting", "deleted"),
        write("volume", "v2", "deleting", "deleted", { provider: { providerLocation: "gone" } }),
        write("volume", "v3", "deleting", "deleted"),
      ],
    });
  });

  it("R3.2 an empty list with model_update absent is present, not None, and deletes everything", () => {
    const result = decideDeleteGroup({ group, volumes }, answer({ volumesModelUpdate: { updates: [] } }), CTX);
    expect(result.ruleId).toBe("R3.2");
    expect(result.ok).toBe(true);
    expect(result.writes).toStrictEqual(allDeleted);
  });

  it("R3.3 an error-like entry promotes the group, entries are applied, volumes without a status end error, and it fails", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_UNSPECIFIED, providerLocation: "cg-loc" },
        volumesModelUpdate: {
          updates: [
            { id: "v1", status: VolumeStatus.VOLUME_STATUS_DELETED },
            { id: "v2", status: VolumeStatus.VOLUME_STATUS_ERROR_DELETING, providerId: "lun-2" },
            // UNSPECIFIED in a failed call counts as no entry: the volume ends error.
            { id: "v3", status: VolumeStatus.VOLUME_STATUS_UNSPECIFIED },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.3");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("volume v2 error_deleting");
    expect(result.failure?.message).toContain("promoted to error_deleting");
    expect(result.failure?.message).toContain("v3");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { provider: { providerLocation: "cg-loc" }, lastError }),
      write("volume", "v1", "deleting", "deleted"),
      write("volume", "v2", "deleting", "error_deleting", { provider: { providerId: "lun-2" }, lastError }),
      write("volume", "v3", "deleting", "error", { lastError }),
    ]);
  });

  it("R3.4 wins over R3.3 when model_update is already error-like and an entry is error-like too: no promotion", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING },
        volumesModelUpdate: { updates: [{ id: "v1", status: VolumeStatus.VOLUME_STATUS_ERROR }] },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.4");
    expect(result.failure?.message).not.toContain("promoted");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { lastError }),
      write("volume", "v1", "deleting", "error", { lastError }),
      write("volume", "v2", "deleting", "error", { lastError }),
      write("volume", "v3", "deleting", "error", { lastError }),
    ]);
  });

  it("R3.4 model_update.status error-like with the list absent errors every volume, and fails", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING } }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.4");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("group g1 error_deleting");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { lastError }),
      write("volume", "v1", "deleting", "error", { lastError }),
      write("volume", "v2", "deleting", "error", { lastError }),
      write("volume", "v3", "deleting", "error", { lastError }),
    ]);
  });

  it("R3.4 model_update.status error with an empty list errors every volume, and fails", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR }, volumesModelUpdate: { updates: [] } }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.4");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes.map((w) => [w.id, w.status])).toEqual([
      ["g1", "error"],
      ["v1", "error"],
      ["v2", "error"],
      ["v3", "error"],
    ]);
    expect(result.writes.every((w) => w.lastError !== undefined && w.lastError.message === lastError.message)).toBe(true);
  });

  it("R3.4 model_update.status error-like with a partial list applies the entries and errors the rest", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR },
        volumesModelUpdate: {
          updates: [
            { id: "v1", status: VolumeStatus.VOLUME_STATUS_DELETED },
            { id: "v2", status: VolumeStatus.VOLUME_STATUS_AVAILABLE },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.4");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { lastError }),
      write("volume", "v1", "deleting", "deleted"),
      write("volume", "v2", "deleting", "available"),
      write("volume", "v3", "deleting", "error", { lastError }),
    ]);
  });

  it("R3.5 model_update and the list both absent delete the group and every volume", () => {
    const result = decideDeleteGroup({ group, volumes }, answer({}), CTX);
    expect(result).toStrictEqual({ ruleId: "R3.5", ok: true, warnings: [], writes: allDeleted });
  });

  it("R3.6 an error-like entry with model_update absent promotes just the same (host rule), and fails", () => {
    const result = decideDeleteGroup(
      { group, volumes },
      answer({
        volumesModelUpdate: {
          updates: [
            { id: "v2", status: VolumeStatus.VOLUME_STATUS_ERROR },
            { id: "v3", status: VolumeStatus.VOLUME_STATUS_DELETED, providerLocation: "x" },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R3.6");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("promoted to error");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "deleting", "error", { lastError }),
      write("volume", "v1", "deleting", "error", { lastError }),
      write("volume", "v2", "deleting", "error", { lastError }),
      write("volume", "v3", "deleting", "deleted", { provider: { providerLocation: "x" } }),
    ]);
  });

  it("R3.2 a group with no volumes is deleted alone", () => {
    const result = decideDeleteGroup({ group, volumes: [] }, answer({ modelUpdate: {} }), CTX);
    expect(result.ruleId).toBe("R3.2");
    expect(result.writes).toStrictEqual([write("group", "g1", "deleting", "deleted")]);
  });
});
