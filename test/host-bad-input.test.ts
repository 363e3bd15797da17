// Bad input to the manager gets a clear error naming the bad value and leaves the database
// byte-for-byte as it was.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, HostError, openHost, PluginLaunchError } from "../host/index.js";
import { refusal, SCRIPTED_DRIVER, startHarness, type Harness } from "./support/host-harness.js";

/** The pids of this user's processes whose initial environment holds `entry` (NAME=value). */
function processesWithEnvironment(entry: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry);
      } catch {
        return false; // gone, or not ours
      }
    })
    .map(Number);
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("bad input to the manager", () => {
  const volumes: Array<[string, Record<string, unknown>, string]> = [
    ["a size of zero", { sizeGb: 0, volumeType: "gold" }, "sizeGb 0"],
    ["a fractional size", { sizeGb: 1.5, volumeType: "gold" }, "sizeGb 1.5"],
    ["a size given as text", { sizeGb: "10", volumeType: "gold" }, 'sizeGb "10"'],
    ["an empty volume type", { sizeGb: 1, volumeType: "" }, 'volume type ""'],
    ["a volume type with spaces", { sizeGb: 1, volumeType: "fast disks" }, '"fast disks"'],
    ["a status other than available or in-use", { sizeGb: 1, volumeType: "gold", status: "error" }, 'status "error"'],
  ];
  for (const [what, input, named] of volumes) {
    it(`refuses to register a volume with ${what}, naming it`, () => {
      const before = h.fingerprint();
      const error = refusal(() => h.host.registerVolume(input as never));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain(named);
      expect(h.fingerprint()).toBe(before);
    });
  }

  const groups: Array<[string, Record<string, unknown>, string]> = [
    ["no name", { volumeTypes: ["gold"] }, "name"],
    ["no volume types", { name: "g", volumeTypes: [] }, "volumeTypes []"],
    ["a repeated volume type", { name: "g", volumeTypes: ["gold", "gold"] }, "'gold' twice"],
    ["a name longer than 255 characters", { name: "n".repeat(256), volumeTypes: ["gold"] }, "at most 255"],
  ];
  for (const [what, input, named] of groups) {
    it(`refuses to create a group with ${what}, naming it`, async () => {
      const before = h.fingerprint();
      const error = await h.host.createGroup(input as never).then(
        () => undefined,
        (e: unknown) => e as HostError,
      );
      expect(error?.code).toBe("INVALID_ARGUMENT");
      expect(error?.message).toContain(named);
      expect(h.fingerprint()).toBe(before);
      expect(h.calls().filter((c) => c.kind === "create_group")).toHaveLength(0);
    });
  }

  it("refuses to attach an unknown volume, naming it", () => {
    const before = h.fingerprint();
    const error = refusal(() => h.host.setVolumeAttached("0b7f6a0e-0000-4000-8000-00000000000f", true));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("0b7f6a0e-0000-4000-8000-00000000000f");
    expect(h.fingerprint()).toBe(before);
  });

  it("refuses to list the volumes or cgsnapshots of a group that does not exist, naming it", async () => {
    const unknown = "0b7f6a0e-0000-4000-8000-0000000000aa";
    for (const list of [() => h.host.listVolumes({ groupId: unknown }), () => h.host.listCgSnapshots({ groupId: unknown })]) {
      const error = refusal(list);
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toBe(`NOT_FOUND: group ${unknown} does not exist`);
    }
    // An empty group, and a deleted one, list as empty: they exist.
    const empty = await h.host.createGroup({ name: "empty", volumeTypes: ["gold"] });
    expect(h.host.listVolumes({ groupId: empty.id })).toEqual([]);
    await h.host.deleteGroup(empty.id);
    expect(h.status("groups", empty.id)).toBe("deleted");
    expect(h.host.listCgSnapshots({ groupId: empty.id, includeDeleted: true })).toEqual([]);
  });

  const callers: Array<[string, Record<string, unknown>, string]> = [
    ["a request id with a non-ASCII character", { requestId: "héllo" }, 'requestId "héllo" must be 1 to 128 printable ASCII'],
    ["a request id with a newline", { requestId: "a\nb" }, "requestId"],
    ["an empty request id", { requestId: "" }, 'requestId ""'],
    ["a project id that is a number", { projectId: 42 }, "projectId 42"],
    ["an empty project id", { projectId: " " }, "projectId must not be empty"],
  ];
  for (const [what, caller, named] of callers) {
    it(`refuses an operation asked with ${what} before writing anything or calling the driver`, async () => {
      const group = await h.host.createGroup({ name: "caller-check", volumeTypes: ["gold"] });
      const before = h.fingerprint();
      const callsBefore = h.calls().length;
      for (const attempt of [
        () => h.host.createGroup({ name: "x", volumeTypes: ["gold"] }, caller as never),
        () => h.host.deleteGroup(group.id, { deleteVolumes: true }, caller as never),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(HostError);
        expect((error as HostError).code).toBe("INVALID_ARGUMENT");
        expect((error as HostError).message).toContain(named);
      }
      expect(h.fingerprint()).toBe(before);
      expect(h.calls()).toHaveLength(callsBefore);
    });
  }

  it("refuses an update whose volume lists are not arrays of ids, naming the value", async () => {
    const group = await h.host.createGroup({ name: "lists", volumeTypes: ["gold"] });
    const before = h.fingerprint();
    for (const [change, named] of [
      [{ addVolumeIds: "a-volume-id" }, 'addVolumeIds "a-volume-id" must be an array of volume ids'],
      [{ removeVolumeIds: 5 }, "removeVolumeIds 5 must be an array"],
      [{ addVolumeIds: [7] }, "addVolumeIds [7] must be an array"],
      [null, "the change null must be an object"],
    ] as const) {
      const error = await h.host.updateGroup(group.id, change as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining(named) });
    }
    expect(h.fingerprint()).toBe(before);
  });

  it("counts a name's length in characters, not UTF-16 code units", async () => {
    const emoji = "\u{1F4BE}";
    const named = await h.host.createGroup({ name: emoji.repeat(255), volumeTypes: ["gold"] });
    expect(h.row("groups", named.id)!.name).toBe(emoji.repeat(255));
    const error = await h.host.createGroup({ name: emoji.repeat(256), volumeTypes: ["gold"] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("at most 255 characters") });
  });

  it("rejects openHost with an exported PluginLaunchError when the plugin cannot start", async () => {
    const error = await openHost({ storePath: join(h.dir, "never.db"), plugin: { command: join(h.dir, "no-such-plugin") } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_SPAWN_FAILED");
  });

  it("rejects openHost with a bad host option after launching the plugin, and stops the plugin and the store", async () => {
    const script = join(h.dir, "bad-option-script.json");
    writeFileSync(script, "{}");
    const error = await openHost({
      storePath: join(h.dir, "bad-option.db"),
      plugin: { command: process.execPath, args: [SCRIPTED_DRIVER], env: { CGHOST_SCRIPT: script, CGHOST_CALLS: join(h.dir, "bad-option-calls.jsonl") } },
      outcomeWaitMs: -1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", message: "INVALID_ARGUMENT: outcomeWaitMs -1 must be a number of milliseconds, 0 or more" });
    // No plugin left: no process has that script in its environment.
    expect(processesWithEnvironment(`CGHOST_SCRIPT=${script}`)).toEqual([]);
    // The store is closed: another connection may take its write lock at once.
    const other = new Database(join(h.dir, "bad-option.db"), { timeout: 0 });
    try {
      other.exec("BEGIN IMMEDIATE; ROLLBACK");
    } finally {
      other.close();
    }
  });

  it.each([
    [{ create_group: Number.NaN }, "deadlinesMs.create_group NaN"],
    [{ create_group: 1e15 }, "deadlinesMs.create_group 1000000000000000"],
    [{ create_group: "abc" }, 'deadlinesMs.create_group "abc"'],
    [{ create_group: 0 }, "deadlinesMs.create_group 0"],
    [{ create_group: -1 }, "deadlinesMs.create_group -1"],
    [{ create_groups: 1000 }, 'deadlinesMs names "create_groups", which is not an operation'],
  ])("refuses to build a host with deadlinesMs %j, naming it", (deadlinesMs, named) => {
    // The options are checked before the store or the plugin is used.
    const error = refusal(() => createHost({ store: {} as never, plugin: {} as never, deadlinesMs: deadlinesMs as never }));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(named);
  });
});

describe("a closed host", () => {
  it("refuses every call with HOST_CLOSED, reads included", async () => {
    const closed = await startHarness();
    const group = await closed.host.createGroup({ name: "before-close", volumeTypes: ["gold"] });
    await closed.close();
    const id = group.id;
    const calls: Array<[string, () => unknown]> = [
      ["showVolume", () => closed.host.showVolume(id)],
      ["listVolumes", () => closed.host.listVolumes({ groupId: id })],
      ["showGroup", () => closed.host.showGroup(id)],
      ["listGroups", () => closed.host.listGroups()],
      ["showCgSnapshot", () => closed.host.showCgSnapshot(id)],
      ["listCgSnapshots", () => closed.host.listCgSnapshots()],
      ["setVolumeAttached", () => closed.host.setVolumeAttached(id, true)],
      ["createGroup", () => closed.host.createGroup({ name: "x", volumeTypes: ["gold"] })],
      ["createGroupFromSource", () => closed.host.createGroupFromSource({ name: "x", source: { groupId: id } })],
      ["updateGroup", () => closed.host.updateGroup(id, { addVolumeIds: [id] })],
      ["deleteGroup", () => closed.host.deleteGroup(id)],
      ["createCgSnapshot", () => closed.host.createCgSnapshot(id)],
      ["deleteCgSnapshot", () => closed.host.deleteCgSnapshot(id)],
    ];
    for (const [name, call] of calls) {
      let error: unknown;
      try {
        await call();
      } catch (thrown) {
        error = thrown;
      }
      expect(error, name).toBeInstanceOf(HostError);
      expect((error as HostError).code, name).toBe("HOST_CLOSED");
    }
  });
});
