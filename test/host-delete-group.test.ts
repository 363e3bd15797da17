// RULES.md section 3 through a real plugin process: delete_consistencygroup.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GroupStatus, VolumeStatus } from "../host/contract.js";
import { groupWithVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function statuses(ids: string[]): Array<string | undefined> {
  return ids.map((id) => h.status("volumes", id));
}

function deletedAt(table: "groups" | "volumes", id: string): unknown {
  return h.row(table, id)?.deleted_at;
}

describe("delete group (RULES.md section 3)", () => {
  it("R3.1 a raised driver error leaves the group and all volumes error, and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({ delete_group: { fail: { code: 14, message: "array unreachable" } } });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.ruleId).toBe("R3.1");
    expect(error.failure?.grpcCode).toBe(14);
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["error", "error"]);
    // RULES.md section 8: each row's last error (code, message, time) is stored, volumes included.
    for (const id of [groupId, ...volumeIds]) {
      const table = id === groupId ? "groups" : "volumes";
      const lastError = JSON.parse(String(h.row(table, id)?.last_error)) as { code: string; grpcCode: number; message: string; at: string };
      expect(lastError).toMatchObject({ code: error.failure?.cause, grpcCode: 14 });
      expect(lastError.message).toContain("array unreachable");
      expect(Number.isNaN(Date.parse(lastError.at))).toBe(false);
    }
  });

  it("sends every volume as stored, now deleting, also for a group large enough for set-based moves", async () => {
    // 40 volumes: above the store's threshold for one set-based UPDATE, and the request is built
    // from the rows the check read (not read again), so compare it with the database row by row.
    const { groupId, volumeIds } = await groupWithVolumes(h, 40);
    h.host.setVolumeAttached(volumeIds[0]!, true);
    h.host.setVolumeAttached(volumeIds[0]!, false);
    h.script({ delete_group: { fail: { code: 14, message: "array unreachable" } } });
    await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    const sent = h.calls().at(-1)!.request.volumes as Array<Record<string, unknown>>;
    expect(sent.map((v) => v.id)).toEqual(volumeIds);
    for (const volume of sent) {
      const row = h.row("volumes", volume.id as string)!;
      // The driver records proto JSON: enum names, and empty fields left out.
      const metadata = JSON.parse(row.metadata as string) as Record<string, string>;
      expect(volume).toEqual({
        id: row.id,
        groupId: row.group_id,
        status: "VOLUME_STATUS_DELETING",
        name: row.name,
        sizeGb: row.size_gb,
        volumeType: row.volume_type,
        projectId: row.project_id,
        ...(row.provider_location ? { providerLocation: row.provider_location } : {}),
        ...(row.provider_id ? { providerId: row.provider_id } : {}),
        ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
      });
    }
    expect(statuses(volumeIds)).toEqual(volumeIds.map(() => "error"));
  });

  it("R3.2 a returned answer with no error-like status deletes the group and its volumes", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({
      delete_group: {
        respond: {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_DELETED },
          volumesModelUpdate: { updates: [{ id: volumeIds[0], status: VolumeStatus.VOLUME_STATUS_DELETED }] },
        },
      },
    });
    const view = await h.host.deleteGroup(groupId, { deleteVolumes: true });
    expect(view.group.status).toBe("deleted");
    expect(h.status("groups", groupId)).toBe("deleted");
    expect(deletedAt("groups", groupId)).not.toBeNull();
    expect(statuses(volumeIds)).toEqual(["deleted", "deleted"]);
    for (const id of volumeIds) expect(deletedAt("volumes", id)).not.toBeNull();
    expect(h.host.listGroups().map((g) => g.id)).not.toContain(groupId);
  });

  it("R3.3 an error-like entry promotes the group to error, applies entries, errors volumes without one, and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 3);
    h.script({
      delete_group: {
        respond: {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_UNSPECIFIED },
          volumesModelUpdate: {
            updates: [
              { id: volumeIds[0], status: VolumeStatus.VOLUME_STATUS_DELETED },
              { id: volumeIds[1], status: VolumeStatus.VOLUME_STATUS_ERROR_DELETING },
            ],
          },
        },
      },
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.failure?.ruleId).toBe("R3.3");
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["deleted", "error_deleting", "error"]);
  });

  it("R3.4 a model_update with an error-like status and an absent list errors every volume, and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({ delete_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING } } } });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.ruleId).toBe("R3.4");
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["error", "error"]);
  });

  it("R3.4 a model_update with an error-like status and an empty list errors every volume, and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({
      delete_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR }, volumesModelUpdate: { updates: [] } } },
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.ruleId).toBe("R3.4");
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["error", "error"]);
  });

  it("R3.4 a model_update with an error-like status and a partial list applies the entries and errors the rest", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 3);
    h.script({
      delete_group: {
        respond: {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR_DELETING },
          volumesModelUpdate: { updates: [{ id: "{{volumes.0.id}}", status: VolumeStatus.VOLUME_STATUS_DELETED }] },
        },
      },
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.ruleId).toBe("R3.4");
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["deleted", "error", "error"]);
    expect(deletedAt("volumes", volumeIds[0]!)).not.toBeNull();
    expect(deletedAt("volumes", volumeIds[1]!)).toBeNull();
  });

  it("R3.5 both fields absent deletes the group and its volumes", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({ delete_group: { respond: {} } });
    await h.host.deleteGroup(groupId, { deleteVolumes: true });
    expect(h.status("groups", groupId)).toBe("deleted");
    expect(statuses(volumeIds)).toEqual(["deleted", "deleted"]);
  });

  it("R3.6 an error-like entry with model_update absent promotes just the same (host rule), and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({
      delete_group: {
        respond: { volumesModelUpdate: { updates: [{ id: volumeIds[1], status: VolumeStatus.VOLUME_STATUS_ERROR }] } },
      },
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.ruleId).toBe("R3.6");
    expect(h.status("groups", groupId)).toBe("error");
    expect(statuses(volumeIds)).toEqual(["error", "error"]);
  });

  it("deletes an empty group, and a group in error", async () => {
    h.script({});
    const empty = await h.host.createGroup({ name: "empty", volumeTypes: ["gold"] });
    await h.host.deleteGroup(empty.id);
    expect(h.status("groups", empty.id)).toBe("deleted");
    h.script({ create_group: { fail: { code: 13, message: "x" } } });
    const failed = await rejection(h.host.createGroup({ name: "bad", volumeTypes: ["gold"] }));
    const errored = failed.failure!.written[0]!.id;
    h.script({});
    await h.host.deleteGroup(errored);
    expect(h.status("groups", errored)).toBe("deleted");
  });

  describe("checked first: a violation changes nothing and names the offender", () => {
    it("refuses a group that is neither available nor error (one a killed host left updating)", async () => {
      const { groupId, volumeIds } = await groupWithVolumes(h, 1);
      h.forceStatus("groups", groupId, "updating");
      const before = h.fingerprint();
      const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain(groupId);
      expect(error.message).toContain("updating");
      expect(h.fingerprint()).toBe(before);
      expect(h.status("volumes", volumeIds[0]!)).toBe("available");
    });

    it("refuses a group that still has a cgsnapshot", async () => {
      const { groupId } = await groupWithVolumes(h, 1);
      const { cgsnapshot } = await h.host.createCgSnapshot(groupId);
      const before = h.fingerprint();
      const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain(cgsnapshot.id);
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses a group with an attached volume", async () => {
      const { groupId, volumeIds } = await groupWithVolumes(h, 2);
      h.host.setVolumeAttached(volumeIds[0]!, true);
      const before = h.fingerprint();
      const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain(volumeIds[0]!);
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses a group that holds volumes unless asked to delete them", async () => {
      const { groupId } = await groupWithVolumes(h, 1);
      const before = h.fingerprint();
      const error = await rejection(h.host.deleteGroup(groupId));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(groupId);
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses a group that is the source of a create-from-source still in progress (here: another host's)", async () => {
      const { groupId } = await groupWithVolumes(h, 1);
      // Another host on the same database is cloning this group: its journal entry is open.
      const operationId = "01930000-0000-7000-8000-00000000c10e";
      h.store.openJournal({
        operationId,
        kind: "create_group_from_source",
        groupId: "0b7f6a0e-0000-4000-8000-00000000c10e",
        rows: { groups: ["0b7f6a0e-0000-4000-8000-00000000c10e"], volumes: [], cgsnapshots: [], snapshots: [] },
        request: { sourceGroupId: groupId },
      });
      try {
        const before = h.fingerprint();
        const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
        expect(error.code).toBe("INVALID_STATUS");
        expect(error.message).toContain(operationId);
        expect(error.message).toContain(groupId);
        expect(h.fingerprint()).toBe(before);
      } finally {
        h.store.closeJournal(operationId, "test");
      }
    });

    it("refuses a group with a volume in a status a delete cannot start from", async () => {
      const { groupId, volumeIds } = await groupWithVolumes(h, 2);
      // A volume some other operation is deleting (e.g. left by a host that died mid-call).
      h.store.moveStatus({ kind: "volume", ids: [volumeIds[1]!], from: ["available"], to: "deleting" });
      const before = h.fingerprint();
      const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain(volumeIds[1]!);
      expect(error.message).toContain("'deleting'");
      expect(h.fingerprint()).toBe(before);
      expect(h.status("groups", groupId)).toBe("available");
    });

    it("refuses an unknown group id and a malformed one", async () => {
      const before = h.fingerprint();
      expect((await rejection(h.host.deleteGroup("0b7f6a0e-0000-4000-8000-000000000000"))).code).toBe("NOT_FOUND");
      expect((await rejection(h.host.deleteGroup("../etc/passwd"))).code).toBe("INVALID_ARGUMENT");
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses a group that is already deleted", async () => {
      h.script({});
      const group = await h.host.createGroup({ name: "gone", volumeTypes: ["gold"] });
      await h.host.deleteGroup(group.id);
      const before = h.fingerprint();
      expect((await rejection(h.host.deleteGroup(group.id))).code).toBe("NOT_FOUND");
      expect(h.fingerprint()).toBe(before);
    });
  });
});

// A successful delete returns its volumes built from the rows its check read and the writes it
// applied, not read a second time; they must be exactly what a read of the store returns.
describe("the view a successful delete returns", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const size of [2, 40]) {
    it(`equals a fresh read of the store, entries' provider fields included, without reading the volumes twice (${size} volumes)`, async () => {
      const { groupId, volumeIds } = await groupWithVolumes(h, size);
      h.script({
        delete_group: {
          respond: {
            modelUpdate: { status: GroupStatus.GROUP_STATUS_DELETED, providerLocation: "pool-9" },
            volumesModelUpdate: {
              updates: [
                { id: volumeIds[0], status: VolumeStatus.VOLUME_STATUS_DELETED, providerLocation: "gone-0", metadata: { why: "asked" } },
                { id: volumeIds[1], status: VolumeStatus.VOLUME_STATUS_DELETED, providerId: "pid-1" },
              ],
            },
          },
        },
      });
      const listings = vi.spyOn(h.store, "listVolumes");
      const view = await h.host.deleteGroup(groupId, { deleteVolumes: true });
      expect(listings).toHaveBeenCalledTimes(1);
      expect(view).toEqual(h.host.showGroup(groupId));
      expect(view.volumes.map((v) => v.id)).toEqual(volumeIds);
      expect(view.volumes[0]).toMatchObject({ status: "deleted", providerLocation: "gone-0", metadata: { why: "asked" } });
      expect(statuses(volumeIds).every((status) => status === "deleted")).toBe(true);
    });
  }

  it("reads the store when the group holds a volume the delete did not write", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    // A volume of the group already soft-deleted: not in the check's listing, but in the deleted group's.
    const ghost = h.host.registerVolume({ sizeGb: 1, volumeType: "gold", name: "ghost" });
    h.store.applyWrites([{ kind: "volume", id: ghost.id, expect: ["available"], status: "deleted", softDelete: true, groupId }]);
    h.script({ delete_group: { respond: {} } });
    const view = await h.host.deleteGroup(groupId, { deleteVolumes: true });
    expect(view).toEqual(h.host.showGroup(groupId));
    expect(view.volumes.map((v) => v.id).sort()).toEqual([...volumeIds, ghost.id].sort());
  });
});
