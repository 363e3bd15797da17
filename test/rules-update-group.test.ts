// RULES.md section 4 as a pure table: decideUpdateGroup, one test per row. Only the group is
// `updating`; each volume's write expects its own status, and membership moves only on R4.3.
import { describe, expect, it } from "vitest";
import { GroupStatus, UpdateConsistencyGroupResponse, VolumeStatus } from "../host/contract.js";
import { decideUpdateGroup } from "../host/rules/index.js";
import { CTX, groupRow, lastErrorFor, raised, returned, volumeRow, write } from "./support/rows.js";

const group = groupRow("g1", "updating");
const addVolumes = [volumeRow("a1", "available", null), volumeRow("a2", "in-use", null)];
const removeVolumes = [volumeRow("r1", "available"), volumeRow("r2", "error_deleting")];
const rows = { group, addVolumes, removeVolumes };

function answer(partial: Parameters<typeof UpdateConsistencyGroupResponse.fromPartial>[0]) {
  return returned(UpdateConsistencyGroupResponse.fromPartial(partial));
}

describe("update group (RULES.md section 4)", () => {
  it("R4.1 a raise leaves the group and every added and removed volume error, membership unchanged, and fails", () => {
    const outcome = raised<UpdateConsistencyGroupResponse>("mapping failed");
    const result = decideUpdateGroup(rows, outcome, CTX);
    expect(result.ruleId).toBe("R4.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual({ code: "DRIVER_FAILED", grpcCode: 13, message: "mapping failed" });
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "updating", "error", { lastError }),
      write("volume", "a1", "available", "error", { lastError }),
      write("volume", "a2", "in-use", "error", { lastError }),
      write("volume", "r1", "available", "error", { lastError }),
      write("volume", "r2", "error_deleting", "error", { lastError }),
    ]);
  });

  it("R4.2 model_update.status error leaves everything error with membership unchanged, keeps provider fields, and fails", () => {
    const result = decideUpdateGroup(
      rows,
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR, providerId: "cg-1" },
        addVolumesUpdate: { updates: [{ id: "a1", status: VolumeStatus.VOLUME_STATUS_AVAILABLE, providerLocation: "lun-1" }] },
        removeVolumesUpdate: { updates: [] },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R4.2");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("group g1 error");
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "updating", "error", { provider: { providerId: "cg-1" }, lastError }),
      write("volume", "a1", "available", "error", { provider: { providerLocation: "lun-1" }, lastError }),
      write("volume", "a2", "in-use", "error", { lastError }),
      write("volume", "r1", "available", "error", { lastError }),
      write("volume", "r2", "error_deleting", "error", { lastError }),
    ]);
  });

  it("R4.3 a group model_update reporting error_deleting is not a failure: the group ends available, with a warning", () => {
    const result = decideUpdateGroup(rows, answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING } }), CTX);
    expect(result.ruleId).toBe("R4.3");
    expect(result.ok).toBe(true);
    expect(result.writes[0]).toStrictEqual(write("group", "g1", "updating", "available"));
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("error_deleting");
  });

  it("R4.3 otherwise entries are applied, others keep their status, added volumes join and removed leave", () => {
    const result = decideUpdateGroup(
      rows,
      answer({
        modelUpdate: { providerId: "cg-77" },
        addVolumesUpdate: { updates: [{ id: "a1", providerLocation: "lun-1" }] },
        removeVolumesUpdate: { updates: [{ id: "r1", status: VolumeStatus.VOLUME_STATUS_ERROR }] },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R4.3");
    expect(result.ok).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.writes).toStrictEqual([
      write("group", "g1", "updating", "available", { provider: { providerId: "cg-77" } }),
      write("volume", "a1", "available", "available", { provider: { providerLocation: "lun-1" }, groupId: "g1" }),
      write("volume", "a2", "in-use", "in-use", { groupId: "g1" }),
      write("volume", "r1", "available", "error", { groupId: null }),
      write("volume", "r2", "error_deleting", "error_deleting", { groupId: null }),
    ]);
    // An error reported without failing the call is logged and counted, not hidden.
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("volume r1 error");
  });

  it("R4.3 an in-use entry is valid here, and model_update available with both lists absent moves everyone", () => {
    const result = decideUpdateGroup(
      { group, addVolumes: [volumeRow("a1", "available", null)], removeVolumes: [volumeRow("r1", "in-use")] },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_AVAILABLE },
        removeVolumesUpdate: { updates: [{ id: "r1", status: VolumeStatus.VOLUME_STATUS_IN_USE }] },
      }),
      CTX,
    );
    expect(result).toStrictEqual({
      ruleId: "R4.3",
      ok: true,
      warnings: [],
      writes: [
        write("group", "g1", "updating", "available"),
        write("volume", "a1", "available", "available", { groupId: "g1" }),
        write("volume", "r1", "in-use", "in-use", { groupId: null }),
      ],
    });
  });
});
