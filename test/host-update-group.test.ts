// RULES.md section 4 through a real plugin process: update_consistencygroup.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupStatus, VolumeStatus } from "../host/contract.js";
import { groupWithVolumes, registerVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

function groupOf(id: string): unknown {
  return h.row("volumes", id)?.group_id;
}

describe("update group (RULES.md section 4)", () => {
  it("R4.1 a raised driver error leaves the group and every added and removed volume error, membership unchanged", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const [added] = registerVolumes(h.host, 1);
    h.script({ update_group: { fail: { code: 13, message: "mapping failed" } } });
    const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: [added!], removeVolumeIds: [volumeIds[0]!] }));
    expect(error.failure?.ruleId).toBe("R4.1");
    expect(h.status("groups", groupId)).toBe("error");
    expect(h.status("volumes", added!)).toBe("error");
    expect(h.status("volumes", volumeIds[0]!)).toBe("error");
    expect(h.status("volumes", volumeIds[1]!)).toBe("available");
    expect(groupOf(added!)).toBeNull();
    expect(groupOf(volumeIds[0]!)).toBe(groupId);
  });

  it("R4.2 a model_update with status error leaves everything error, membership unchanged, and fails", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 1);
    const [added] = registerVolumes(h.host, 1);
    h.script({ update_group: { respond: { modelUpdate: { status: GroupStatus.GROUP_STATUS_ERROR } } } });
    const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: [added!], removeVolumeIds: [volumeIds[0]!] }));
    expect(error.failure?.ruleId).toBe("R4.2");
    expect(h.status("groups", groupId)).toBe("error");
    expect([h.status("volumes", added!), h.status("volumes", volumeIds[0]!)]).toEqual(["error", "error"]);
    expect(groupOf(added!)).toBeNull();
    expect(groupOf(volumeIds[0]!)).toBe(groupId);
  });

  it("R4.3 otherwise entries are applied, others keep their status, added join and removed leave", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 2);
    const [added, attached] = registerVolumes(h.host, 2);
    h.host.setVolumeAttached(attached!, true);
    h.script({
      update_group: {
        respond: {
          modelUpdate: { providerId: "cg-77" },
          addVolumesUpdate: { updates: [{ id: added, providerLocation: "lun-1" }] },
          removeVolumesUpdate: { updates: [{ id: volumeIds[0], status: VolumeStatus.VOLUME_STATUS_ERROR }] },
        },
      },
    });
    const view = await h.host.updateGroup(groupId, { addVolumeIds: [added!, attached!], removeVolumeIds: [volumeIds[0]!] });
    expect(view.group.status).toBe("available");
    expect(h.status("groups", groupId)).toBe("available");
    expect(h.row("groups", groupId)?.provider_id).toBe("cg-77");
    expect(h.status("volumes", added!)).toBe("available");
    expect(h.row("volumes", added!)?.provider_location).toBe("lun-1");
    expect(h.status("volumes", attached!)).toBe("in-use");
    expect(h.status("volumes", volumeIds[0]!)).toBe("error");
    expect(groupOf(added!)).toBe(groupId);
    expect(groupOf(attached!)).toBe(groupId);
    expect(groupOf(volumeIds[0]!)).toBeNull();
    expect(view.volumes.map((v) => v.id).sort()).toEqual([added!, attached!, volumeIds[1]!].sort());
  });

  it("R4.3 a volume reported error_deleting keeps that status: it joins in it, and can then be removed", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    const [volume] = registerVolumes(h.host, 1);
    const errorDeleting = { id: volume, status: VolumeStatus.VOLUME_STATUS_ERROR_DELETING };
    h.script({ update_group: { respond: { addVolumesUpdate: { updates: [errorDeleting] } } } });
    await h.host.updateGroup(groupId, { addVolumeIds: [volume!] });
    expect(h.status("volumes", volume!)).toBe("error_deleting");
    expect(groupOf(volume!)).toBe(groupId);
    expect(h.status("groups", groupId)).toBe("available");
    // RULES.md section 4 lets an error_deleting member be removed; its driver may say it still is.
    h.script({ update_group: { respond: { removeVolumesUpdate: { updates: [errorDeleting] } } } });
    const view = await h.host.updateGroup(groupId, { removeVolumeIds: [volume!] });
    expect(view.group.status).toBe("available");
    expect(h.status("volumes", volume!)).toBe("error_deleting");
    expect(groupOf(volume!)).toBeNull();
    expect(h.status("groups", groupId)).toBe("available");
  });

  describe("checked first: a violation changes nothing and names the offender", () => {
    let groupId: string;
    let members: string[];
    let otherGroupVolume: string;
    beforeAll(async () => {
      ({ groupId, volumeIds: members } = await groupWithVolumes(h, 2));
      otherGroupVolume = (await groupWithVolumes(h, 1)).volumeIds[0]!;
    });

    const cases: Array<[string, () => { add?: string[]; remove?: string[] }, string, () => string]> = [
      ["a volume of another group", () => ({ add: [otherGroupVolume] }), "INVALID_STATUS", () => otherGroupVolume],
      ["an unknown volume", () => ({ add: ["0b7f6a0e-0000-4000-8000-000000000001"] }), "NOT_FOUND", () => "0b7f6a0e-0000-4000-8000-000000000001"],
      ["a volume in both lists", () => ({ add: [members[0]!], remove: [members[0]!] }), "INVALID_ARGUMENT", () => members[0]!],
      ["a removed volume that is not a member", () => ({ remove: [otherGroupVolume] }), "INVALID_ARGUMENT", () => otherGroupVolume],
      ["a volume named twice", () => ({ remove: [members[1]!, members[1]!] }), "INVALID_ARGUMENT", () => members[1]!],
      ["a change of nothing", () => ({}), "INVALID_ARGUMENT", () => groupId],
      ["an added volume already a member", () => ({ add: [members[0]!] }), "INVALID_ARGUMENT", () => members[0]!],
    ];
    for (const [what, change, code, offender] of cases) {
      it(`refuses ${what}`, async () => {
        const before = h.fingerprint();
        const { add, remove } = change();
        const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: add ?? [], removeVolumeIds: remove ?? [] }));
        expect(error.code).toBe(code);
        expect(error.message).toContain(offender());
        expect(h.fingerprint()).toBe(before);
      });
    }

    it("refuses adding a volume that is neither available nor in-use", async () => {
      const [volume] = registerVolumes(h.host, 1);
      h.store.moveStatus({ kind: "volume", ids: [volume!], from: ["available"], to: "error" });
      const before = h.fingerprint();
      const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: [volume!] }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain(volume!);
      expect(error.message).toContain("'error'");
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses removing a member in a status a removal cannot start from", async () => {
      const member = members[1]!;
      // A member some other operation is deleting (e.g. left by a host that died mid-call).
      h.store.moveStatus({ kind: "volume", ids: [member], from: ["available"], to: "deleting" });
      try {
        const before = h.fingerprint();
        const error = await rejection(h.host.updateGroup(groupId, { removeVolumeIds: [member] }));
        expect(error.code).toBe("INVALID_STATUS");
        expect(error.message).toContain(member);
        expect(error.message).toContain("'deleting'");
        expect(h.fingerprint()).toBe(before);
      } finally {
        h.store.moveStatus({ kind: "volume", ids: [member], from: ["deleting"], to: "available" });
      }
    });

    it("refuses a volume whose type the group does not support", async () => {
      const silver = h.host.registerVolume({ sizeGb: 1, volumeType: "silver" });
      const before = h.fingerprint();
      const error = await rejection(h.host.updateGroup(groupId, { addVolumeIds: [silver.id] }));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain("silver");
      expect(h.fingerprint()).toBe(before);
    });

    it("refuses a group that is not available", async () => {
      h.script({ create_group: { fail: { code: 13, message: "x" } } });
      const failed = await rejection(h.host.createGroup({ name: "bad", volumeTypes: ["gold"] }));
      const errored = failed.failure!.written[0]!.id;
      const [volume] = registerVolumes(h.host, 1);
      const before = h.fingerprint();
      const error = await rejection(h.host.updateGroup(errored, { addVolumeIds: [volume!] }));
      expect(error.code).toBe("INVALID_STATUS");
      expect(error.message).toContain("'error'");
      expect(h.fingerprint()).toBe(before);
    });
  });
});

describe("attaching a volume while an update moves it", () => {
  it("is refused, nothing written, so the update's outcome cannot conflict and leave the group updating", async () => {
    const { groupId, volumeIds } = await groupWithVolumes(h, 1);
    const [added] = registerVolumes(h.host, 1);
    h.script({});
    const before = h.fingerprint();
    // The update takes its locks at once; its check and driver call come after.
    const updating = h.host.updateGroup(groupId, { addVolumeIds: [added!], removeVolumeIds: [volumeIds[0]!] });
    for (const [id, attach] of [[added!, true], [volumeIds[0]!, true]] as const) {
      let refused: unknown;
      try {
        h.host.setVolumeAttached(id, attach);
      } catch (error) {
        refused = error;
      }
      expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`volume ${id} is being added to or removed from a group`) });
    }
    expect(h.fingerprint()).toBe(before);
    const view = await updating;
    expect(view.group.status).toBe("available");
    expect(h.status("groups", groupId)).toBe("available");
    expect(groupOf(added!)).toBe(groupId);
    // Once it ended, the volume can be attached, and attaching it twice names its status.
    expect(h.host.setVolumeAttached(added!, true).status).toBe("in-use");
    expect(h.status("volumes", added!)).toBe("in-use");
    expect(() => h.host.setVolumeAttached(added!, true)).toThrow(`volume ${added} is 'in-use'; attaching needs it 'available'`);
  });
});
