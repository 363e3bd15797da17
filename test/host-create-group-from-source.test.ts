// RULES.md section 2 through a real plugin process: create_consistencygroup_from_src.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupStatus, VolumeStatus } from "../host/contract.js";
import { groupWithVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
let source: { groupId: string; volumeIds: string[] };
let cgsnapshotId: string;
beforeAll(async () => {
  h = await startHarness();
  source = await groupWithVolumes(h, 3);
  cgsnapshotId = (await h.host.createCgSnapshot(source.groupId)).cgsnapshot.id;
});
afterAll(async () => {
  await h?.close();
});

function lastCall(): { request: Record<string, unknown> } {
  return h.calls().at(-1)!;
}

describe("create group from source (RULES.md section 2)", () => {
  it("R2.1 a raised driver error leaves the group and every target volume error, and fails", async () => {
    h.script({ create_group_from_source: { fail: { code: 9, message: "no space for clones" } } });
    const error = await rejection(h.host.createGroupFromSource({ name: "clone", source: { cgsnapshotId } }));
    expect(error.failure?.ruleId).toBe("R2.1");
    expect(error.failure?.grpcCode).toBe(9);
    const groupId = error.failure!.written.find((w) => h.status("groups", w.id) !== undefined)!.id;
    expect(h.status("groups", groupId)).toBe("error");
    const targets = h.query<{ status: string }>("SELECT status FROM volumes WHERE group_id = ?", groupId);
    expect(targets.map((t) => t.status)).toEqual(["error", "error", "error"]);
  });

  it("R2.2 any returned answer, even a model_update with status error, applies it and ends all available", async () => {
    h.script({
      create_group_from_source: {
        respond: {
          modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR, providerLocation: "pool-a" },
          volumesModelUpdate: { updates: [] },
        },
      },
    });
    const view = await h.host.createGroupFromSource({ name: "clone-2", source: { cgsnapshotId } });
    expect(view.group.status).toBe("available");
    expect(h.status("groups", view.group.id)).toBe("available");
    expect(h.row("groups", view.group.id)?.provider_location).toBe("pool-a");
    expect(view.volumes).toHaveLength(3);
    for (const v of view.volumes) expect(h.status("volumes", v.id)).toBe("available");
  });

  it("R2.2 entries with error statuses are applied as reported, then every target ends available", async () => {
    h.script({
      create_group_from_source: {
        respond: {
          volumesModelUpdate: {
            updates: [
              { id: "{{volumes.0.id}}", status: VolumeStatus.VOLUME_STATUS_ERROR, providerLocation: "lun-9" },
              { id: "{{volumes.1.id}}", providerLocation: "lun-10" },
            ],
          },
        },
      },
    });
    const view = await h.host.createGroupFromSource({ name: "clone-3", source: { groupId: source.groupId } });
    const sent = (lastCall().request as { volumes: Array<{ id: string }> }).volumes.map((v) => v.id);
    expect(sent.sort()).toEqual(view.volumes.map((v) => v.id).sort());
    const first = (lastCall().request as { volumes: Array<{ id: string }> }).volumes[0]!.id;
    expect(h.status("volumes", first)).toBe("available");
    expect(h.row("volumes", first)?.provider_location).toBe("lun-9");
    for (const v of view.volumes) expect(h.status("volumes", v.id)).toBe("available");
    expect(h.status("groups", view.group.id)).toBe("available");
  });

  it("passes the sources ordered so that item i is the source of volumes[i]", async () => {
    h.script({});
    await h.host.createGroupFromSource({ name: "ordered", source: { cgsnapshotId } });
    const request = lastCall().request as {
      volumes: Array<{ id: string; sizeGb: number }>;
      cgsnapshotSource: { snapshots: Array<{ id: string }> };
    };
    expect(request.volumes).toHaveLength(3);
    request.volumes.forEach((volume, i) => {
      expect(h.row("volumes", volume.id)?.source_id).toBe(request.cgsnapshotSource.snapshots[i]!.id);
    });
  });

  it("refuses two sources or none, writing nothing", async () => {
    const before = h.fingerprint();
    const both = await rejection(
      h.host.createGroupFromSource({ name: "x", source: { cgsnapshotId, groupId: source.groupId } as never }),
    );
    expect(both.code).toBe("INVALID_ARGUMENT");
    const none = await rejection(h.host.createGroupFromSource({ name: "x", source: {} as never }));
    expect(none.code).toBe("INVALID_ARGUMENT");
    expect(h.fingerprint()).toBe(before);
  });

  it("refuses volume types that leave out a source volume's type, naming both, writing nothing", async () => {
    const sourceType = h.row("volumes", source.volumeIds[0]!)!.volume_type as string;
    const before = h.fingerprint();
    for (const from of [{ cgsnapshotId }, { groupId: source.groupId }]) {
      const error = await rejection(h.host.createGroupFromSource({ name: "x", volumeTypes: ["other-type"], source: from }));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(`volume type '${sourceType}' of source ${"cgsnapshotId" in from ? "snapshot" : "volume"} `);
      expect(error.message).toContain("new group's volume types (other-type)");
    }
    expect(h.fingerprint()).toBe(before);
    // Listing the source's type as well is accepted.
    const copy = await h.host.createGroupFromSource({ name: "x", volumeTypes: ["other-type", sourceType], source: { cgsnapshotId } });
    expect(h.status("groups", copy.group.id)).toBe("available");
    expect(copy.group.volumeTypes).toEqual(["other-type", sourceType]);
  });

  it("refuses a source (a cgsnapshot or a group) that does not exist, naming it, writing nothing", async () => {
    const before = h.fingerprint();
    const error = await rejection(h.host.createGroupFromSource({ name: "x", source: { cgsnapshotId: "no-such-cgsnapshot" } }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("no-such-cgsnapshot");
    const fromGroup = await rejection(h.host.createGroupFromSource({ name: "x", source: { groupId: "no-such-group" } }));
    expect(fromGroup.code).toBe("NOT_FOUND");
    expect(fromGroup.message).toContain("no-such-group");
    expect(h.fingerprint()).toBe(before);
  });

  it("refuses a group source with a volume that is not available, naming it, writing nothing", async () => {
    const other = await groupWithVolumes(h, 2);
    h.host.setVolumeAttached(other.volumeIds[1]!, true);
    const before = h.fingerprint();
    const error = await rejection(h.host.createGroupFromSource({ name: "x", source: { groupId: other.groupId } }));
    expect(error.code).toBe("INVALID_STATUS");
    expect(error.message).toContain(other.volumeIds[1]!);
    expect(error.message).toContain("in-use");
    expect(h.fingerprint()).toBe(before);
  });

  it("refuses a cgsnapshot source whose snapshots are not all available, writing nothing", async () => {
    const other = await groupWithVolumes(h, 2);
    h.script({ create_cgsnapshot: { fail: { code: 13, message: "snap failed" } } });
    const failed = await rejection(h.host.createCgSnapshot(other.groupId));
    const failedId = failed.failure!.written.find((w) => h.status("cgsnapshots", w.id) !== undefined)!.id;
    const before = h.fingerprint();
    const error = await rejection(h.host.createGroupFromSource({ name: "x", source: { cgsnapshotId: failedId } }));
    expect(error.code).toBe("INVALID_STATUS");
    expect(error.message).toContain(failedId);
    expect(h.fingerprint()).toBe(before);
  });
});
