// RULES.md section 7 through a real plugin process: a malformed answer is treated as raised and
// none of it is applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupStatus, SnapshotStatus, VolumeStatus } from "../host/contract.js";
import { groupWithVolumes, registerVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

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

describe("malformed answers (RULES.md section 7)", () => {
  it("R7.1 an entry naming a row that was not sent is refused whole: the raised row applies, nothing of it is stored", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const stranger = (await groupWithVolumes(h, 1)).volumeIds[0]!;
    h.script({
      delete_group: {
        respond: {
          modelUpdate: { providerLocation: "should-not-be-stored" },
          volumesModelUpdate: { updates: [{ id: stranger, status: VolumeStatus.VOLUME_STATUS_DELETED }] },
        },
      },
    });
    const error = await rejection(h.host.deleteGroup(groupId, { deleteVolumes: true }));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    expect(error.failure?.ruleId).toBe("R3.1");
    expect(error.message).toContain(stranger);
    expect(h.status("groups", groupId)).toBe("error");
    expect(h.row("groups", groupId)?.provider_location).toBeNull();
    // R3.1: the group's own volumes all end error; the stranger is untouched.
    expect(volumeIds.map((id) => h.status("volumes", id))).toEqual(["error", "error"]);
    expect(h.status("volumes", stranger)).toBe("available");
  });

  it("R7.2 a repeated id is refused whole", async () => {
    const { groupId } = await groupWithVolumes(h, 2);
    h.script({
      create_cgsnapshot: {
        respond: {
          snapshotsModelUpdate: {
            updates: [
              { id: "{{snapshots.0.id}}", status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE, providerId: "a" },
              { id: "{{snapshots.0.id}}", status: SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE, providerId: "b" },
            ],
          },
        },
      },
    });
    const error = await rejection(h.host.createCgSnapshot(groupId));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    expect(error.failure?.ruleId).toBe("R5.1");
    const id = error.failure!.written.find((w) => h.status("cgsnapshots", w.id) !== undefined)!.id;
    expect(snapshotStatuses(id)).toEqual(["error", "error"]);
    expect(h.query("SELECT provider_id FROM snapshots WHERE cgsnapshot_id = ? AND provider_id IS NOT NULL", id)).toEqual([]);
  });

  it("R7.3 a status the entity cannot have is refused whole (an enum value outside the contract)", async () => {
    h.script({ create_group: { respond: { modelUpdate: { status: 99, providerLocation: "x" } } } });
    const error = await rejection(h.host.createGroup({ name: "g", volumeTypes: ["gold"] }));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    expect(error.failure?.ruleId).toBe("R1.1");
    const id = error.failure!.written[0]!.id;
    expect(h.status("groups", id)).toBe("error");
    expect(h.row("groups", id)?.provider_location).toBeNull();
  });

  it("R7.3 a transitional status in an answer is refused whole", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    const [added] = registerVolumes(h.host, 1);
    h.script({
      update_group: {
        respond: { addVolumesUpdate: { updates: [{ id: added, status: VolumeStatus.VOLUME_STATUS_CREATING }] } },
      },
    });
    const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: [added!] }));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    expect(error.failure?.ruleId).toBe("R4.1");
    expect(h.status("volumes", added!)).toBe("error");
    expect(h.row("volumes", added!)?.group_id).toBeNull();
  });

  it("R7.5 an entry in the wrong list (a removed volume in the add list) is refused whole", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    h.script({
      update_group: {
        respond: { addVolumesUpdate: { updates: [{ id: volumeIds[0], status: VolumeStatus.VOLUME_STATUS_AVAILABLE }] } },
      },
    });
    const error = await rejection(h.host.updateGroup(groupId, { removeVolumeIds: [volumeIds[0]!] }));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    // Treated as raised (R4.1): the group and the removed volume error, membership unchanged.
    expect(error.failure?.ruleId).toBe("R4.1");
    expect(h.status("groups", groupId)).toBe("error");
    expect(h.status("volumes", volumeIds[0]!)).toBe("error");
    expect(h.status("volumes", volumeIds[1]!)).toBe("available");
    expect(h.row("volumes", volumeIds[0]!)?.group_id).toBe(groupId);
  });

  it("R7.4 a field outside the allowed set (a field number the host does not know) is refused whole", async () => {
    h.script({
      create_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_AVAILABLE }, unknownField: { number: 15, varint: 1 } } },
    });
    const error = await rejection(h.host.createGroup({ name: "g", volumeTypes: ["gold"] }));
    expect(error.failure?.cause).toBe("MALFORMED_RESPONSE");
    expect(h.status("groups", error.failure!.written[0]!.id)).toBe("error");
  });
});

describe("capabilities", () => {
  let narrow: Harness;
  beforeAll(async () => {
    narrow = await startHarness({ script: { unimplemented: ["delete_cgsnapshot", "create_group_from_source"] } });
  });
  afterAll(async () => {
    await narrow?.close();
  });

  it("refuses an operation the plugin does not declare before any status write", async () => {
    const { groupId } = await groupWithVolumes(narrow, 1);
    const { cgsnapshot } = await narrow.host.createCgSnapshot(groupId);
    const before = narrow.fingerprint();
    const calls = narrow.calls().length;
    const error = await rejection(narrow.host.deleteCgSnapshot(cgsnapshot.id));
    expect(error.code).toBe("UNSUPPORTED_OPERATION");
    expect(error.message).toContain("delete_cgsnapshot");
    expect((await rejection(narrow.host.createGroupFromSource({ name: "c", source: { groupId } }))).code).toBe(
      "UNSUPPORTED_OPERATION",
    );
    expect(narrow.fingerprint()).toBe(before);
    expect(narrow.calls()).toHaveLength(calls);
  });
});

describe("concurrency", () => {
  it("serialises calls on one group: the second waits for the first instead of seeing 'updating'", async () => {
    const { groupId } = await groupWithVolumes(h, 0);
    const [a, b] = registerVolumes(h.host, 2);
    h.script({});
    const [first, second] = await Promise.all([
      h.host.updateGroup(groupId, { addVolumeIds: [a!] }),
      h.host.updateGroup(groupId, { addVolumeIds: [b!] }),
    ]);
    expect(first.volumes.map((v) => v.id)).toEqual([a]);
    expect(second.volumes.map((v) => v.id).sort()).toEqual([a!, b!].sort());
    expect(h.status("groups", groupId)).toBe("available");
  });

  it("runs calls on different groups concurrently: one finishes while another's driver call is still out", async () => {
    const slow = await startHarness({ deadlinesMs: { create_cgsnapshot: 1500 } });
    try {
      const one = await groupWithVolumes(slow, 1);
      const two = await groupWithVolumes(slow, 0);
      const [volume] = registerVolumes(slow.host, 1);
      slow.script({ create_cgsnapshot: { hang: true } });
      let hungSettled = false;
      const hung = rejection(slow.host.createCgSnapshot(one.groupId)).finally(() => (hungSettled = true));
      await slow.host.updateGroup(two.groupId, { addVolumeIds: [volume!] });
      expect(hungSettled).toBe(false);
      const error = await hung;
      expect(error.failure?.cause).toBe("DEADLINE_EXCEEDED");
      const id = error.failure!.written.find((w) => slow.status("cgsnapshots", w.id) !== undefined)!.id;
      expect(slow.status("cgsnapshots", id)).toBe("error");
    } finally {
      await slow.close();
    }
  });
});
