// Registering and unregistering volumes: the host's own bookkeeping, no driver call. Unregistering
// is refused, with nothing written, for a volume in a group, attached, or moved by an update in
// flight; it is the way out for a volume an update left 'error' outside any group (R4.1).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { groupWithVolumes, refusal, registerVolumes, rejection, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("unregistering a volume", () => {
  it("soft-deletes a volume in no group, without calling the driver; show still finds it", () => {
    const [id] = registerVolumes(h.host, 1);
    const calls = h.calls().length;
    const row = h.host.unregisterVolume(id!);
    expect(row.status).toBe("deleted");
    expect(h.status("volumes", id!)).toBe("deleted");
    expect(h.row("volumes", id!)!.deleted_at).not.toBeNull();
    expect(h.host.showVolume(id!).status).toBe("deleted");
    expect(h.host.listVolumes().map((v) => v.id)).not.toContain(id);
    expect(h.calls()).toHaveLength(calls);
    // Gone is gone: a second time names the volume as not found.
    expect(refusal(() => h.host.unregisterVolume(id!)).code).toBe("NOT_FOUND");
  });

  it("is the way out for a volume a failed update left 'error' in no group", async () => {
    const { groupId } = await groupWithVolumes(h, 1);
    const [added] = registerVolumes(h.host, 1);
    h.script({ update_group: { fail: { code: 13, message: "mapping failed" } } });
    await rejection(h.host.updateGroup(groupId, { addVolumeIds: [added!] }));
    expect(h.status("volumes", added!)).toBe("error");
    expect(h.row("volumes", added!)!.group_id).toBeNull();
    expect(h.host.unregisterVolume(added!).status).toBe("deleted");
    expect(h.status("volumes", added!)).toBe("deleted");
  });

  it("refuses a volume in a group, an attached one, and one an update is moving, writing nothing", async () => {
    h.script({});
    const { groupId, volumeIds } = await groupWithVolumes(h, 1);
    const [attached, moving] = registerVolumes(h.host, 2);
    h.host.setVolumeAttached(attached!, true);
    const before = h.fingerprint();
    const member = refusal(() => h.host.unregisterVolume(volumeIds[0]!));
    expect(member).toMatchObject({ code: "INVALID_STATUS", message: expect.stringContaining(`is in group ${groupId}; remove it from the group first`) });
    const inUse = refusal(() => h.host.unregisterVolume(attached!));
    expect(inUse).toMatchObject({ code: "INVALID_STATUS", message: `INVALID_STATUS: volume ${attached} is 'in-use'; unregistering needs it 'available' or 'error'` });
    const updating = h.host.updateGroup(groupId, { addVolumeIds: [moving!] });
    expect(refusal(() => h.host.unregisterVolume(moving!))).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("an operation in progress") });
    expect(h.fingerprint()).toBe(before);
    await updating;
    expect(h.status("volumes", moving!)).toBe("available");
  });
});
