// RULES.md section 1 as a pure table: decideCreateGroup, one test per row.
import { describe, expect, it } from "vitest";
import { CreateConsistencyGroupResponse, GroupStatus } from "../host/contract.js";
import { decideCreateGroup } from "../host/rules/index.js";
import { CTX, groupRow, lastErrorFor, raised, returned, write } from "./support/rows.js";

const group = groupRow("g1", "creating");

function answer(partial: Parameters<typeof CreateConsistencyGroupResponse.fromPartial>[0]) {
  return returned(CreateConsistencyGroupResponse.fromPartial(partial));
}

describe("create group (RULES.md section 1)", () => {
  it("R1.1 a raise leaves the group error with the driver's failure as its last error, and fails", () => {
    const outcome = raised<CreateConsistencyGroupResponse>("array offline", 13);
    const result = decideCreateGroup({ group }, outcome, CTX);
    expect(result.ruleId).toBe("R1.1");
    expect(result.ok).toBe(false);
    expect(result.failure).toStrictEqual({ code: "DRIVER_FAILED", grpcCode: 13, message: "array offline" });
    expect(result.writes).toStrictEqual([
      write("group", "g1", "creating", "error", {
        lastError: { code: "DRIVER_FAILED", grpcCode: 13, message: "array offline", at: CTX.now, operationId: CTX.operationId },
      }),
    ]);
    expect(result.warnings).toEqual([]);
  });

  it("R1.2 a returned model_update with status error leaves the group error, applies its provider fields, and fails", () => {
    const result = decideCreateGroup(
      { group },
      answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR, providerLocation: "pool-a" } }),
      CTX,
    );
    expect(result.ruleId).toBe("R1.2");
    expect(result.ok).toBe(false);
    expect(result.failure?.code).toBe("DRIVER_REPORTED_ERROR");
    expect(result.failure?.message).toContain("group g1 error");
    expect(result.writes).toStrictEqual([
      write("group", "g1", "creating", "error", {
        provider: { providerLocation: "pool-a" },
        lastError: lastErrorFor(result.failure!),
      }),
    ]);
  });

  it("R1.3 another model_update has its allowed fields applied, then the group is available", () => {
    const result = decideCreateGroup(
      { group },
      answer({
        modelUpdate: {
          status: GroupStatus.GROUP_STATUS_AVAILABLE,
          providerLocation: "array-7:/cg/1",
          providerId: "cg-1",
          metadata: { tier: "fast" },
        },
      }),
      CTX,
    );
    expect(result).toStrictEqual({
      ruleId: "R1.3",
      ok: true,
      warnings: [],
      writes: [
        write("group", "g1", "creating", "available", {
          provider: { providerLocation: "array-7:/cg/1", providerId: "cg-1", metadata: { tier: "fast" } },
        }),
      ],
    });
  });

  it("R1.3 a model_update with no status and no fields still ends available, writing no provider fields", () => {
    const result = decideCreateGroup({ group }, answer({ modelUpdate: {} }), CTX);
    expect(result.ruleId).toBe("R1.3");
    expect(result.ok).toBe(true);
    expect(result.writes).toStrictEqual([write("group", "g1", "creating", "available")]);
  });

  it("R1.3 a model_update reporting error_deleting does not fail a create: the group ends available, with a warning", () => {
    const result = decideCreateGroup(
      { group },
      answer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING, providerId: "cg-1" } }),
      CTX,
    );
    expect(result.ruleId).toBe("R1.3");
    expect(result.ok).toBe(true);
    expect(result.writes).toStrictEqual([write("group", "g1", "creating", "available", { provider: { providerId: "cg-1" } })]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("error_deleting");
    expect(result.warnings[0]).toContain("only error fails a create");
  });

  it("R1.4 no model_update leaves the group available", () => {
    const result = decideCreateGroup({ group }, answer({}), CTX);
    expect(result).toStrictEqual({
      ruleId: "R1.4",
      ok: true,
      warnings: [],
      writes: [write("group", "g1", "creating", "available")],
    });
  });
});
