// RULES.md section 2 as a pure table: decideCreateGroupFromSource, one test per row.
import { describe, expect, it } from "vitest";
import { CreateConsistencyGroupFromSourceResponse, GroupStatus, VolumeStatus } from "../host/contract.js";
import { decideCreateGroupFromSource } from "../host/rules/index.js";
import { CTX, groupRow, lastErrorFor, raised, returned, volumeRow, write } from "./support/rows.js";

const group = groupRow("g1", "creating");
const volumes = [volumeRow("v1", "creating"), volumeRow("v2", "creating"), volumeRow("v3", "creating")];

function answer(partial: Parameters<typeof CreateConsistencyGroupFromSourceResponse.fromPartial>[0]) {
  return returned(CreateConsistencyGroupFromSourceResponse.fromPartial(partial));
}

describe("create group from source (RULES.md section 2)", () => {
  it("R2.1 a raise leaves the group and every target volume error, and fails", () => {
    const outcome = raised<CreateConsistencyGroupFromSourceResponse>("no space for clones", 9);
    const result = decideCreateGroupFromSource({ group, volumes }, outcome, CTX);
    expect(result.ruleId).toBe("R2.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual(outcome.kind === "raised" ? outcome.failure : undefined);
    const lastError = lastErrorFor(result.failure!);
    expect(result.writes).toStrictEqual([
      write("group", "g1", "creating", "error", { lastError }),
      write("volume", "v1", "creating", "error", { lastError }),
      write("volume", "v2", "creating", "error", { lastError }),
      write("volume", "v3", "creating", "error", { lastError }),
    ]);
  });

  it("R2.2 a returned answer with error statuses still ends everything available, applies provider fields, and warns", () => {
    const result = decideCreateGroupFromSource(
      { group, volumes },
      answer({
        modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR, providerLocation: "pool-a" },
        volumesModelUpdate: {
          updates: [
            { id: "v1", status: VolumeStatus.VOLUME_STATUS_ERROR, providerLocation: "lun-9" },
            { id: "v2", providerId: "clone-2", metadata: { k: "v" } },
          ],
        },
      }),
      CTX,
    );
    expect(result.ruleId).toBe("R2.2");
    expect(result.ok).toBe(true);
    expect(result.failure).toBeUndefined();
    expect(result.writes).toStrictEqual([
      write("group", "g1", "creating", "available", { provider: { providerLocation: "pool-a" } }),
      write("volume", "v1", "creating", "available", { provider: { providerLocation: "lun-9" } }),
      write("volume", "v2", "creating", "available", { provider: { providerId: "clone-2", metadata: { k: "v" } } }),
      write("volume", "v3", "creating", "available"),
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("group g1 error");
    expect(result.warnings[0]).toContain("volume v1 error");
  });

  it("R2.2 a group reported error_deleting is applied like any status there: everything ends available, with a warning", () => {
    const result = decideCreateGroupFromSource({ group, volumes }, answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING } }), CTX);
    expect(result.ruleId).toBe("R2.2");
    expect(result.ok).toBe(true);
    expect(result.writes.map((w) => w.status)).toStrictEqual(["available", "available", "available", "available"]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("group g1 error_deleting");
  });

  it("R2.2 a returned answer with both fields absent ends everything available, without a warning", () => {
    const result = decideCreateGroupFromSource({ group, volumes }, answer({}), CTX);
    expect(result).toStrictEqual({
      ruleId: "R2.2",
      ok: true,
      warnings: [],
      writes: [
        write("group", "g1", "creating", "available"),
        write("volume", "v1", "creating", "available"),
        write("volume", "v2", "creating", "available"),
        write("volume", "v3", "creating", "available"),
      ],
    });
  });
});
