// RULES.md sections 5 and 6 through a real plugin process: create_cgsnapshot and delete_cgsnapshot.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CgSnapshotStatus, SnapshotStatus } from "../host/contract.js";
import { groupWithVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function snapshotStatuses(cgsnapshotId: string): string[] {
  return h.query<{ status: string }>("SELECT status FROM snapshots WHERE cgsnapshot_id = ? ORDER BY position", cgsnapshotId).map((r) => r.status);
}

function cgsnapshotIdOf(error: { failure?: { written: Array<{ id: string }> } }): string {
  return error.failure!.written.find((w) => h.status("cgsnapshots", w.id) !== undefined)!.id;
}

async function availableCgSnapshot(volumes: number): Promise<{ id: string; snapshotIds: string[] }> {
  const { groupId } = await groupWithVolumes(h, volumes);
  const view = await h.host.createCgSnapshot(groupId);
  return { id: view.cgsnapshot.id, snapshotIds: view.snapshots.map((s) => s.id) };
}

describe("create cgsnapshot (RULES.md section 5)", () => {
  it("R5.1 a raised driver error leaves the cgsnapshot and all snapshots error, and fails", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({ create_cgsnapshot: { fail: { code: 4, message: "quiesce timed out" } } });
    const error = await rejection(h.host.createCgSnapshot(groupId));
    expect(error.failure?.ruleId).toBe("R5.1");
    const id = cgsnapshotIdOf(error);
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
    expect(h.status("groups", groupId)).toBe("available");
    // RULES.md section 8: the snapshots keep the last error too, with its code, message and time.
    const lastErrors = h
      .query<{ last_error: string }>("SELECT last_error FROM snapshots WHERE cgsnapshot_id = ?", id)
      .map((r) => JSON.parse(r.last_error) as { code: string; grpcCode: number; message: string });
    expect(lastErrors).toHaveLength(2);
    for (const lastError of lastErrors) {
      expect(lastError).toMatchObject({ code: error.failure?.cause, grpcCode: 4 });
      expect(lastError.message).toContain("quiesce timed out");
    }
  });

  it("R5.2 an entry with status error applies entries, errors snapshots without one, and fails", async () => {
    const { groupId } = await groupWithVolumes(h, 3);
    h.script({
      create_cgsnapshot: {
        respond: {
          snapshotsModelUpdate: {
            updates: [
              { id: "{{snapshots.0.id}}", status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE },
              { id: "{{snapshots.1.id}}", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR },
            ],
          },
        },
      },
    });
    const error = await rejection(h.host.createCgSnapshot(groupId));
    expect(error.failure?.ruleId).toBe("R5.2");
    const id = cgsnapshotIdOf(error);
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["available", "error", "error"]);
  });

  it("R5.2 a model_update with status error and no entries errors every snapshot, and fails", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({ create_cgsnapshot: { respond: { modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR } } } });
    const error = await rejection(h.host.createCgSnapshot(groupId));
    expect(error.failure?.ruleId).toBe("R5.2");
    const id = cgsnapshotIdOf(error);
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
  });

  it("R5.3 otherwise entries are applied, then the cgsnapshot and every snapshot are available", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({
      create_cgsnapshot: {
        respond: {
          modelUpdate: { providerLocation: "snapgroup-1" },
          snapshotsModelUpdate: { updates: [{ id: "{{snapshots.1.id}}", providerId: "snap-b" }] },
        },
      },
    });
    const view = await h.host.createCgSnapshot(groupId, { name: "nightly" });
    expect(view.cgsnapshot.status).toBe("available");
    expect(h.row("cgsnapshots", view.cgsnapshot.id)?.provider_location).toBe("snapgroup-1");
    expect(snapshotStatuses(view.cgsnapshot.id)).toEqual(["available", "available"]);
    expect(h.row("snapshots", view.snapshots[1]!.id)?.provider_id).toBe("snap-b");
  });

  it("R5.3 an error_deleting entry does not fail a create: everything ends available", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({
      create_cgsnapshot: {
        respond: { snapshotsModelUpdate: { updates: [{ id: "{{snapshots.0.id}}", status: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING }] } },
      },
    });
    const view = await h.host.createCgSnapshot(groupId);
    expect(h.status("cgsnapshots", view.cgsnapshot.id)).toBe("available");
    expect(snapshotStatuses(view.cgsnapshot.id)).toEqual(["available", "available"]);
  });

  it("R5.3 a model_update of error_deleting does not fail a create either: everything ends available", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({ create_cgsnapshot: { respond: { modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING } } } });
    const view = await h.host.createCgSnapshot(groupId);
    expect(h.status("cgsnapshots", view.cgsnapshot.id)).toBe("available");
    expect(snapshotStatuses(view.cgsnapshot.id)).toEqual(["available", "available"]);
  });

  it("refuses, writing nothing, a group that holds no volume or is not available", async () => {
    h.script({});
    const empty = await h.host.createGroup({ name: "empty", volumeTypes: ["gold"] });
    let before = h.fingerprint();
    const error = await rejection(h.host.createCgSnapshot(empty.id));
    expect(error.code).toBe("INVALID_STATUS");
    expect(error.message).toContain(empty.id);
    expect(h.fingerprint()).toBe(before);
    h.script({ create_group: { fail: { code: 13, message: "x" } } });
    const errored = (await rejection(h.host.createGroup({ name: "bad", volumeTypes: ["gold"] }))).failure!.written[0]!.id;
    before = h.fingerprint();
    expect((await rejection(h.host.createCgSnapshot(errored))).code).toBe("INVALID_STATUS");
    expect(h.fingerprint()).toBe(before);
  });
});

describe("delete cgsnapshot (RULES.md section 6)", () => {
  it("R6.1 a raised driver error leaves the cgsnapshot and all snapshots error, and fails", async () => {
    const { id } = await availableCgSnapshot(2);
    h.script({ delete_cgsnapshot: { fail: { code: 13, message: "busy" } } });
    const error = await rejection(h.host.deleteCgSnapshot(id));
    expect(error.failure?.ruleId).toBe("R6.1");
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
  });

  it("R6.2 an error-like entry applies entries, errors snapshots without one, and fails", async () => {
    const { id, snapshotIds } = await availableCgSnapshot(3);
    h.script({
      delete_cgsnapshot: {
        respond: {
          snapshotsModelUpdate: {
            updates: [
              { id: snapshotIds[0], status: SnapshotStatus.SNAPSHOT_STATUS_DELETED },
              { id: snapshotIds[1], status: SnapshotStatus.SNAPSHOT_STATUS_ERROR_DELETING },
            ],
          },
        },
      },
    });
    const error = await rejection(h.host.deleteCgSnapshot(id));
    expect(error.failure?.ruleId).toBe("R6.2");
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["deleted", "error_deleting", "error"]);
  });

  it("R6.2 a model_update with an error-like status and an absent list errors every snapshot, and fails", async () => {
    const { id } = await availableCgSnapshot(2);
    h.script({ delete_cgsnapshot: { respond: { modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR_DELETING } } } });
    const error = await rejection(h.host.deleteCgSnapshot(id));
    expect(error.failure?.ruleId).toBe("R6.2");
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
  });

  it("R6.2 a model_update with an error-like status and an empty list errors every snapshot, and fails", async () => {
    const { id } = await availableCgSnapshot(2);
    h.script({
      delete_cgsnapshot: { respond: { modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_ERROR }, snapshotsModelUpdate: { updates: [] } } },
    });
    const error = await rejection(h.host.deleteCgSnapshot(id));
    expect(error.failure?.ruleId).toBe("R6.2");
    expect(h.status("cgsnapshots", id)).toBe("error");
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
  });

  it("R6.3 otherwise the cgsnapshot and its snapshots are deleted", async () => {
    const { id, snapshotIds } = await availableCgSnapshot(2);
    h.script({ delete_cgsnapshot: { respond: {} } });
    const view = await h.host.deleteCgSnapshot(id);
    expect(view.cgsnapshot.status).toBe("deleted");
    expect(h.status("cgsnapshots", id)).toBe("deleted");
    expect(h.row("cgsnapshots", id)?.deleted_at).not.toBeNull();
    expect(snapshotIds.map((s) => h.status("snapshots", s))).toEqual(["deleted", "deleted"]);
    expect(h.host.listCgSnapshots().map((c) => c.id)).not.toContain(id);
  });

  it("refuses a cgsnapshot that is neither available nor error (one a killed host left creating), writing nothing", async () => {
    const { id, snapshotIds } = await availableCgSnapshot(1);
    h.forceStatus("cgsnapshots", id, "creating");
    const before = h.fingerprint();
    const error = await rejection(h.host.deleteCgSnapshot(id));
    expect(error.code).toBe("INVALID_STATUS");
    expect(error.message).toContain(id);
    expect(error.message).toContain("creating");
    expect(h.fingerprint()).toBe(before);
    expect(h.status("snapshots", snapshotIds[0]!)).toBe("available");
  });

  it("deletes a cgsnapshot in error, and refuses one already deleted, writing nothing", async () => {
    const { id } = await availableCgSnapshot(1);
    h.script({ delete_cgsnapshot: { fail: { code: 13, message: "busy" } } });
    await rejection(h.host.deleteCgSnapshot(id));
    h.script({});
    await h.host.deleteCgSnapshot(id);
    expect(h.status("cgsnapshots", id)).toBe("deleted");
    const before = h.fingerprint();
    expect((await rejection(h.host.deleteCgSnapshot(id))).code).toBe("NOT_FOUND");
    expect(h.fingerprint()).toBe(before);
  });
});

// Like a group's delete: the snapshots a successful delete returns are built from the rows its
// check read and the writes it applied, and must be exactly what a read of the store returns.
describe("the view a successful delete of a cgsnapshot returns", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const size of [2, 40]) {
    it(`equals a fresh read of the store, without reading the snapshots twice (${size} snapshots)`, async () => {
      const { id, snapshotIds } = await availableCgSnapshot(size);
      h.script({
        delete_cgsnapshot: {
          respond: {
            modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED },
            snapshotsModelUpdate: { updates: [{ id: snapshotIds[1], status: SnapshotStatus.SNAPSHOT_STATUS_DELETED, metadata: { freed: "yes" } }] },
          },
        },
      });
      const listings = vi.spyOn(h.store, "listSnapshots");
      const view = await h.host.deleteCgSnapshot(id);
      expect(listings).toHaveBeenCalledTimes(1);
      expect(view).toEqual(h.host.showCgSnapshot(id));
      expect(view.snapshots.map((s) => s.id)).toEqual(snapshotIds);
      expect(view.snapshots[1]).toMatchObject({ status: "deleted", metadata: { freed: "yes" } });
    });
  }
});
