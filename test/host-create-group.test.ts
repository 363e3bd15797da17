// RULES.md section 1 through a real plugin process: create_consistencygroup.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupStatus } from "../host/contract.js";
import { rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("create group (RULES.md section 1)", () => {
  it("R1.1 a raised driver error leaves the group error and fails with the gRPC code", async () => {
    h.script({ create_group: { fail: { code: 13, message: "array offline" } } });
    const before = new Date().toISOString();
    const error = await rejection(h.host.createGroup({ name: "g1", volumeTypes: ["gold"] }));
    const after = new Date().toISOString();
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.failure?.ruleId).toBe("R1.1");
    expect(error.failure?.grpcCode).toBe(13);
    expect(error.message).toContain("array offline");
    const id = error.failure!.written[0]!.id;
    expect(h.status("groups", id)).toBe("error");
    // RULES.md section 8: the last error is stored with its code, message and time.
    const lastError = JSON.parse(String(h.row("groups", id)?.last_error)) as { code: string; grpcCode: number; message: string; at: string };
    expect(lastError).toMatchObject({ code: "DRIVER_FAILED", grpcCode: 13 });
    expect(lastError.message).toContain("array offline");
    expect(lastError.at >= before && lastError.at <= after).toBe(true);
  });

  it("R1.2 a returned model_update with status error leaves the group error and fails", async () => {
    h.script({ create_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR } } } });
    const error = await rejection(h.host.createGroup({ name: "g2", volumeTypes: ["gold"] }));
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.failure?.ruleId).toBe("R1.2");
    expect(h.status("groups", error.failure!.written[0]!.id)).toBe("error");
  });

  it("R1.3 another model_update has its allowed fields applied, then the group is available", async () => {
    h.script({
      create_group: {
        respond: { modelUpdate: { providerLocation: "array-7:/cg/1", providerId: "cg-1", metadata: { tier: "fast" } } },
      },
    });
    const group = await h.host.createGroup({ name: "g3", volumeTypes: ["gold"] });
    expect(group.status).toBe("available");
    const row = h.row("groups", group.id)!;
    expect(row.status).toBe("available");
    expect(row.provider_location).toBe("array-7:/cg/1");
    expect(row.provider_id).toBe("cg-1");
    expect(JSON.parse(String(row.metadata))).toEqual({ tier: "fast" });
  });

  it("R1.3 a model_update reporting error_deleting does not fail a create: the group is stored available", async () => {
    h.script({ create_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING, providerId: "cg-9" } } } });
    const group = await h.host.createGroup({ name: "g5", volumeTypes: ["gold"] });
    expect(group.status).toBe("available");
    const row = h.row("groups", group.id)!;
    expect(row.status).toBe("available");
    expect(row.provider_id).toBe("cg-9");
    expect(row.last_error).toBeNull();
  });

  it("R1.4 no model_update leaves the group available", async () => {
    h.script({ create_group: { respond: {} } });
    const group = await h.host.createGroup({ name: "g4", volumeTypes: ["gold", "silver"] });
    expect(h.status("groups", group.id)).toBe("available");
    expect(h.row("groups", group.id)?.provider_location).toBeNull();
  });

  it("sends the driver the group, an operation id and the caller's context, and journals the call", async () => {
    h.script({});
    const before = h.calls().length;
    const group = await h.host.createGroup({ name: "g5", volumeTypes: ["gold"] }, { requestId: "req-42", projectId: "p1", userId: "u1" });
    const call = h.calls()[before]!;
    expect(call.kind).toBe("create_group");
    expect((call.request.group as { id: string }).id).toBe(group.id);
    expect(call.request.context).toMatchObject({ requestId: "req-42", projectId: "p1", userId: "u1" });
    const journal = h.query<{ state: string; result: string }>("SELECT state, result FROM journal WHERE operation_id = ?", call.operationId);
    expect(journal).toEqual([{ state: "closed", result: "R1.4" }]);
  });

  it("keeps closed journal entries for the retention, then prunes them; refuses a negative age", async () => {
    h.script({});
    await h.host.createGroup({ name: "g6", volumeTypes: ["gold"] });
    const closed = (): number => h.query<{ n: number }>("SELECT count(*) AS n FROM journal WHERE state = 'closed'")[0]!.n;
    expect(closed()).toBeGreaterThan(0);
    // The default retention (7 days) keeps what was just done; Infinity keeps everything.
    expect(h.host.pruneJournal()).toBe(0);
    expect(h.host.pruneJournal(Infinity)).toBe(0);
    const before = closed();
    expect(h.host.pruneJournal(0)).toBe(before);
    expect(closed()).toBe(0);
    expect(() => h.host.pruneJournal(-1)).toThrow(/olderThanMs -1 must be 0 or more/);
  });
});
