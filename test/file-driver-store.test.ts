// The file driver's backend (examples/file-driver/), driven directly on a real data directory:
// sparse volumes, byte-exact copies, per-item errors, idempotent operation ids, id validation.
// The end-to-end run through the host and the SDK lives in its own test.
import { randomUUID } from "node:crypto";
import { mkdtemp, mkdir, open, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileBackend } from "../examples/file-driver/backend.js";
import { FileDriverError } from "../examples/file-driver/errors.js";
import type { SnapshotRef, VolumeRef } from "../examples/file-driver/model.js";
import { copyVolumeFile } from "../examples/file-driver/sparse-copy.js";

const MiB = 1024 * 1024;

let dataDir: string;
let backend: FileBackend;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "file-driver-store-"));
  backend = await FileBackend.open({ dataDir, bytesPerGb: MiB });
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const op = (): string => `op-${randomUUID()}`;
const volume = (sizeGb = 4): VolumeRef => ({ id: randomUUID(), sizeGb });

/** A group with these volumes added, their sparse files materialised by the update. */
async function groupWith(volumes: VolumeRef[]): Promise<string> {
  const groupId = randomUUID();
  await backend.createGroup({ operationId: op(), group: { id: groupId } });
  await backend.updateGroup({ operationId: op(), group: { id: groupId }, addVolumes: volumes, removeVolumes: [] });
  return groupId;
}

/** Writes `data` into a file at `offset`, leaving the rest as it was. */
async function writeAt(path: string, offset: number, data: Buffer): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

function pattern(length: number, seed: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + seed) % 251 || 1;
  return data;
}

/** Compares byte for byte; vitest's toEqual walks a Buffer key by key, which a few MiB exhaust. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected), "the bytes differ").toBe(true);
}

/** Bytes actually allocated on disk (st_blocks is in 512-byte units whatever the block size). */
async function allocated(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

async function rejectionOf(promise: Promise<unknown>): Promise<FileDriverError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileDriverError);
  return error as FileDriverError;
}

describe("volumes are sparse files", () => {
  it("an added volume's file has sizeGb * bytesPerGb bytes and almost no allocated blocks", async () => {
    const v = volume(8);
    await groupWith([v]);
    const path = backend.layout.volumeFile(v.id);
    expect((await stat(path)).size).toBe(8 * MiB);
    expect(await allocated(path)).toBeLessThan(64 * 1024);
  });

  it("an added volume whose file exists keeps its content; the group record lists it", async () => {
    const v = volume(2);
    const path = backend.layout.volumeFile(v.id);
    await writeFile(path, pattern(1000, 7));
    const groupId = await groupWith([v]);
    expectSameBytes(await readFile(path), pattern(1000, 7));
    const record = JSON.parse(await readFile(backend.layout.groupRecord(groupId), "utf8")) as { members: string[] };
    expect(record.members).toEqual([v.id]);
  });

  it("a removed volume leaves the group but keeps its file, and entries carry provider locations and no status", async () => {
    const [a, b] = [volume(), volume()];
    const groupId = await groupWith([a, b]);
    const { answer } = await backend.updateGroup({ operationId: op(), group: { id: groupId }, addVolumes: [], removeVolumes: [{ id: a.id }] });
    expect(answer.removeVolumesUpdate).toEqual([{ id: a.id, providerLocation: backend.layout.volumeFile(a.id) }]);
    expect(answer.addVolumesUpdate).toEqual([]);
    expect((await stat(backend.layout.volumeFile(a.id))).size).toBe(4 * MiB);
    const record = JSON.parse(await readFile(backend.layout.groupRecord(groupId), "utf8")) as { members: string[]; departed: string[] };
    expect(record.members).toEqual([b.id]);
    expect(record.departed).toEqual([a.id]);
  });

  it("create group answers available with the group record as its location", async () => {
    const groupId = randomUUID();
    const { answer } = await backend.createGroup({ operationId: op(), group: { id: groupId } });
    expect(answer).toEqual({ modelUpdate: { status: "available", providerLocation: backend.layout.groupRecord(groupId) } });
  });
});

describe("the sparse copy", () => {
  it("copies every byte and leaves zero blocks as holes", async () => {
    const source = join(dataDir, "source.img");
    const target = join(dataDir, "target.img");
    await writeFile(source, "");
    const handle = await open(source, "r+");
    await handle.truncate(16 * MiB);
    await handle.close();
    await writeAt(source, 0, pattern(5000, 1)); // straddles a block boundary
    await writeAt(source, 9 * MiB + 123, pattern(70_000, 2)); // straddles a chunk boundary
    await writeAt(source, 16 * MiB - 10, pattern(10, 3)); // the very end

    expect(await copyVolumeFile(source, target, { reflink: false })).toBe("sparse");
    expectSameBytes(await readFile(target), await readFile(source));
    expect(await allocated(target)).toBeLessThan(1 * MiB);
  });

  it("grows the copy to minimumSize", async () => {
    const source = join(dataDir, "small.img");
    await writeFile(source, pattern(3000, 4));
    const target = join(dataDir, "big.img");
    await copyVolumeFile(source, target, { minimumSize: 2 * MiB, reflink: false });
    const copy = await readFile(target);
    expect(copy.length).toBe(2 * MiB);
    expectSameBytes(copy.subarray(0, 3000), pattern(3000, 4));
    expect(copy.subarray(3000).every((byte) => byte === 0)).toBe(true);
  });

  it("an aborted signal abandons the copy with CANCELLED and leaves neither the target nor a temporary", async () => {
    const source = join(dataDir, "source.img");
    await writeFile(source, pattern(3 * MiB, 5));
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(copyVolumeFile(source, join(dataDir, "target.img"), { signal: controller.signal, reflink: false }));
    expect(error.code).toBe("CANCELLED");
    expect((await readdir(dataDir)).sort()).toEqual(["cgsnapshots", "groups", "operations", "source.img", "volumes"]);
  });
});

describe("create cgsnapshot", () => {
  it("each snapshot is a byte-exact copy of its volume, reported available with its location", async () => {
    const [a, b] = [volume(4), volume(2)];
    await groupWith([a, b]);
    await writeAt(backend.layout.volumeFile(a.id), 3 * MiB + 17, pattern(10_000, 9));
    await writeAt(backend.layout.volumeFile(b.id), 0, pattern(4096, 10));
    const cgsnapshotId = randomUUID();
    const snapshots: SnapshotRef[] = [a, b].map((v) => ({ id: randomUUID(), volumeId: v.id }));

    const { answer, replayed } = await backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots });

    expect(replayed).toBe(false);
    expect(answer.modelUpdate).toEqual({ status: "available", providerLocation: backend.layout.cgsnapshotDir(cgsnapshotId) });
    expect(answer.snapshotsModelUpdate).toEqual(
      snapshots.map((s) => ({ id: s.id, status: "available", providerLocation: backend.layout.snapshotFile(cgsnapshotId, s.id) })),
    );
    for (const s of snapshots) {
      const copy = backend.layout.snapshotFile(cgsnapshotId, s.id);
      expectSameBytes(await readFile(copy), await readFile(backend.layout.volumeFile(s.volumeId)));
      expect(await allocated(copy)).toBeLessThan(1 * MiB);
    }
  });

  it("a member whose volume file is missing gets an ERROR entry; the others are still copied", async () => {
    const present = volume();
    await groupWith([present]);
    const missing = volume();
    const cgsnapshotId = randomUUID();
    const [good, bad] = [
      { id: randomUUID(), volumeId: present.id },
      { id: randomUUID(), volumeId: missing.id },
    ];

    const { answer } = await backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots: [good, bad] });

    expect(answer.modelUpdate.status).toBe("error");
    expect(answer.snapshotsModelUpdate[0]).toMatchObject({ id: good.id, status: "available" });
    expect(answer.snapshotsModelUpdate[1]).toMatchObject({ id: bad.id, status: "error" });
    expect(answer.snapshotsModelUpdate[1]?.reason).toContain(backend.layout.volumeFile(missing.id));
    await expect(stat(backend.layout.snapshotFile(cgsnapshotId, bad.id))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("create group from source", () => {
  it("from a cgsnapshot: volumes[i] gets snapshots[i]'s bytes, grown to its own size", async () => {
    const [a, b] = [volume(2), volume(3)];
    await groupWith([a, b]);
    await writeAt(backend.layout.volumeFile(a.id), 100, pattern(5000, 11));
    await writeAt(backend.layout.volumeFile(b.id), 2 * MiB, pattern(6000, 12));
    const cgsnapshotId = randomUUID();
    const snapshots = [a, b].map((v) => ({ id: randomUUID(), volumeId: v.id }));
    await backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots });
    // Writes after the snapshot must not reach the clones.
    await writeAt(backend.layout.volumeFile(a.id), 100, pattern(5000, 99));

    const groupId = randomUUID();
    const targets = [volume(2), volume(5)];
    const { answer } = await backend.createGroupFromSource({
      operationId: op(),
      group: { id: groupId },
      volumes: targets,
      source: { $case: "cgsnapshotSource", value: { cgsnapshot: { id: cgsnapshotId }, snapshots } },
    });

    expect(answer.modelUpdate).toEqual({ status: "available", providerLocation: backend.layout.groupRecord(groupId) });
    expect(answer.volumesModelUpdate).toEqual(targets.map((t) => ({ id: t.id, status: "available", providerLocation: backend.layout.volumeFile(t.id) })));
    const snap0 = await readFile(backend.layout.snapshotFile(cgsnapshotId, snapshots[0]!.id));
    expectSameBytes(await readFile(backend.layout.volumeFile(targets[0]!.id)), snap0);
    const snap1 = await readFile(backend.layout.snapshotFile(cgsnapshotId, snapshots[1]!.id));
    const clone1 = await readFile(backend.layout.volumeFile(targets[1]!.id));
    expect(clone1.length).toBe(5 * MiB);
    expectSameBytes(clone1.subarray(0, snap1.length), snap1);
    const record = JSON.parse(await readFile(backend.layout.groupRecord(groupId), "utf8")) as { members: string[]; source: unknown };
    expect(record.members).toEqual(targets.map((t) => t.id));
    expect(record.source).toEqual({ kind: "cgsnapshot", id: cgsnapshotId });
  });

  it("from a group: volumes[i] gets source volumes[i]'s bytes", async () => {
    const sources = [volume(1), volume(1)];
    const sourceGroup = await groupWith(sources);
    await writeAt(backend.layout.volumeFile(sources[1]!.id), 0, pattern(8192, 13));
    const targets = [volume(1), volume(1)];
    await backend.createGroupFromSource({
      operationId: op(),
      group: { id: randomUUID() },
      volumes: targets,
      source: { $case: "groupSource", value: { group: { id: sourceGroup }, volumes: sources } },
    });
    for (const [i, t] of targets.entries()) {
      expectSameBytes(await readFile(backend.layout.volumeFile(t.id)), await readFile(backend.layout.volumeFile(sources[i]!.id)));
    }
  });

  it("a missing source file fails the whole call with NOT_FOUND naming it, and creates nothing", async () => {
    const present = volume(1);
    const sourceGroup = await groupWith([present]);
    const absent = volume(1);
    const targets = [volume(1), volume(1)];
    const groupId = randomUUID();
    const error = await rejectionOf(
      backend.createGroupFromSource({
        operationId: op(),
        group: { id: groupId },
        volumes: targets,
        source: { $case: "groupSource", value: { group: { id: sourceGroup }, volumes: [present, absent] } },
      }),
    );
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain(backend.layout.volumeFile(absent.id));
    for (const t of targets) await expect(stat(backend.layout.volumeFile(t.id))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(stat(backend.layout.groupRecord(groupId))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("source and target counts that differ are refused", async () => {
    const error = await rejectionOf(
      backend.createGroupFromSource({
        operationId: op(),
        group: { id: randomUUID() },
        volumes: [volume(1)],
        source: { $case: "groupSource", value: { group: { id: randomUUID() }, volumes: [] } },
      }),
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
  });
});

describe("delete", () => {
  it("delete group removes every volume file and the record; a volume already gone is DELETED", async () => {
    const [a, b] = [volume(), volume()];
    const groupId = await groupWith([a, b]);
    await rm(backend.layout.volumeFile(b.id));

    const { answer } = await backend.deleteGroup({ operationId: op(), group: { id: groupId }, volumes: [a, b] });

    expect(answer).toEqual({
      modelUpdate: { status: "deleted" },
      volumesModelUpdate: [
        { id: a.id, status: "deleted" },
        { id: b.id, status: "deleted" },
      ],
    });
    expect(await readdir(backend.layout.volumesDir)).toEqual([]);
    expect(await readdir(backend.layout.groupsDir)).toEqual([]);
  });

  it("deleting a group that is already gone succeeds, every volume DELETED", async () => {
    const v = volume();
    const groupId = await groupWith([v]);
    await backend.deleteGroup({ operationId: op(), group: { id: groupId }, volumes: [v] });
    const { answer } = await backend.deleteGroup({ operationId: op(), group: { id: groupId }, volumes: [v] });
    expect(answer.modelUpdate.status).toBe("deleted");
    expect(answer.volumesModelUpdate).toEqual([{ id: v.id, status: "deleted" }]);
  });

  it("a volume whose file cannot be removed is ERROR_DELETING and the group record stays", async () => {
    const [a, b] = [volume(), volume()];
    const groupId = await groupWith([a]);
    // A directory where b's file should be: unlink(2) refuses it (EISDIR) even for root.
    await mkdir(join(backend.layout.volumeFile(b.id), "busy"), { recursive: true });

    const { answer } = await backend.deleteGroup({ operationId: op(), group: { id: groupId }, volumes: [a, b] });

    expect(answer.modelUpdate.status).toBe("error_deleting");
    expect(answer.volumesModelUpdate[0]).toEqual({ id: a.id, status: "deleted" });
    expect(answer.volumesModelUpdate[1]).toMatchObject({ id: b.id, status: "error_deleting", providerLocation: backend.layout.volumeFile(b.id) });
    expect(answer.volumesModelUpdate[1]?.reason).toContain("EISDIR");
    expect((await stat(backend.layout.groupRecord(groupId))).isFile()).toBe(true);
  });

  it("delete cgsnapshot removes its files and directory; deleting it again still answers DELETED", async () => {
    const v = volume();
    await groupWith([v]);
    const cgsnapshotId = randomUUID();
    const snapshots = [{ id: randomUUID(), volumeId: v.id }];
    await backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots });

    for (let round = 0; round < 2; round++) {
      const { answer } = await backend.deleteCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots });
      expect(answer).toEqual({ modelUpdate: { status: "deleted" }, snapshotsModelUpdate: [{ id: snapshots[0]!.id, status: "deleted" }] });
      expect(await readdir(backend.layout.cgsnapshotsDir)).toEqual([]);
    }
  });

  it("a snapshot file that cannot be removed is ERROR_DELETING and the directory stays", async () => {
    const cgsnapshotId = randomUUID();
    const snapshot = { id: randomUUID() };
    await mkdir(join(backend.layout.snapshotFile(cgsnapshotId, snapshot.id), "busy"), { recursive: true });
    const { answer } = await backend.deleteCgSnapshot({ operationId: op(), cgsnapshot: { id: cgsnapshotId }, snapshots: [snapshot] });
    expect(answer.modelUpdate.status).toBe("error_deleting");
    expect(answer.snapshotsModelUpdate[0]).toMatchObject({ id: snapshot.id, status: "error_deleting" });
    expect((await stat(backend.layout.cgsnapshotDir(cgsnapshotId))).isDirectory()).toBe(true);
  });
});

describe("a repeated operation id does nothing twice", () => {
  it("create cgsnapshot: the copy is not rewritten (same inode and mtime, old bytes) and the answer is the same", async () => {
    const v = volume(2);
    await groupWith([v]);
    await writeAt(backend.layout.volumeFile(v.id), 0, pattern(4096, 21));
    const request = { operationId: op(), cgsnapshot: { id: randomUUID() }, snapshots: [{ id: randomUUID(), volumeId: v.id }] };
    const first = await backend.createCgSnapshot(request);
    const copy = backend.layout.snapshotFile(request.cgsnapshot.id, request.snapshots[0]!.id);
    const before = await stat(copy);
    // New data in the volume: a second copy would pick it up.
    await writeAt(backend.layout.volumeFile(v.id), 0, pattern(4096, 22));
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await backend.createCgSnapshot(request);
    // A reopened backend (a restarted driver) replays from the ledger on disk just the same.
    const reopened = await FileBackend.open({ dataDir, bytesPerGb: MiB });
    const third = await reopened.createCgSnapshot(request);

    expect(first.replayed).toBe(false);
    expect(second).toEqual({ answer: first.answer, replayed: true });
    expect(third).toEqual({ answer: first.answer, replayed: true });
    const after = await stat(copy);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expectSameBytes((await readFile(copy)).subarray(0, 4096), pattern(4096, 21));
  });

  it("a failed create-from-source is not recorded: once the source exists, the retry does the work", async () => {
    const source = volume(1);
    const sourceGroup = randomUUID();
    const request = {
      operationId: op(),
      group: { id: randomUUID() },
      volumes: [volume(1)],
      source: { $case: "groupSource" as const, value: { group: { id: sourceGroup }, volumes: [source] } },
    };
    expect((await rejectionOf(backend.createGroupFromSource(request))).code).toBe("NOT_FOUND");
    await writeFile(backend.layout.volumeFile(source.id), pattern(MiB, 23));
    const { answer, replayed } = await backend.createGroupFromSource(request);
    expect(replayed).toBe(false);
    expect(answer.modelUpdate.status).toBe("available");
  });

  it("concurrent calls with one operation id run the work once", async () => {
    const v = volume();
    await groupWith([v]);
    const request = { operationId: op(), cgsnapshot: { id: randomUUID() }, snapshots: [{ id: randomUUID(), volumeId: v.id }] };
    const results = await Promise.all([backend.createCgSnapshot(request), backend.createCgSnapshot(request), backend.createCgSnapshot(request)]);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r.answer).toEqual(results[0]!.answer);
  });

  it("delete group: the repeat answers as the first call did, even though the files are now gone", async () => {
    const v = volume();
    const groupId = await groupWith([v]);
    const request = { operationId: op(), group: { id: groupId }, volumes: [v] };
    const first = await backend.deleteGroup(request);
    const second = await backend.deleteGroup(request);
    expect(second).toEqual({ answer: first.answer, replayed: true });
  });

  it("an operation id reused for another request is refused with FAILED_PRECONDITION", async () => {
    const operationId = op();
    await backend.createGroup({ operationId, group: { id: randomUUID() } });
    const error = await rejectionOf(backend.createGroup({ operationId, group: { id: randomUUID() } }));
    expect(error.code).toBe("FAILED_PRECONDITION");
    expect(error.message).toContain(operationId);
  });

  it("the ledger entry is written under operations/<operationId>.json", async () => {
    const operationId = op();
    await backend.createGroup({ operationId, group: { id: randomUUID() } });
    expect(await readdir(backend.layout.operationsDir)).toEqual([`${operationId}.json`]);
  });
});

describe("ids are checked before they become paths", () => {
  const bad = ["../escape", "a/b", "", ".hidden", "..", "x".repeat(200), "a\0b"];

  it.each(bad)("group id %j is refused with INVALID_ARGUMENT naming it", async (id) => {
    const error = await rejectionOf(backend.createGroup({ operationId: op(), group: { id } }));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(JSON.stringify(id));
    expect(await readdir(backend.layout.groupsDir)).toEqual([]);
  });

  it("a bad operation id, volume id or snapshot id is refused before anything is written", async () => {
    const v = volume();
    await groupWith([v]);
    const cases = [
      backend.createCgSnapshot({ operationId: "../op", cgsnapshot: { id: randomUUID() }, snapshots: [] }),
      backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: randomUUID() }, snapshots: [{ id: "../../x", volumeId: v.id }] }),
      backend.createCgSnapshot({ operationId: op(), cgsnapshot: { id: randomUUID() }, snapshots: [{ id: randomUUID(), volumeId: "/etc/passwd" }] }),
      backend.deleteGroup({ operationId: op(), group: { id: randomUUID() }, volumes: [{ id: "../volumes" }] }),
      backend.updateGroup({ operationId: op(), group: { id: randomUUID() }, addVolumes: [{ id: "a/../../b", sizeGb: 1 }], removeVolumes: [] }),
    ];
    for (const attempt of cases) expect((await rejectionOf(attempt)).code).toBe("INVALID_ARGUMENT");
    expect(await readdir(backend.layout.cgsnapshotsDir)).toEqual([]);
    expect(await readdir(backend.layout.volumesDir)).toEqual([`${v.id}.img`]);
  });

  it("a missing message and a repeated id are refused too", async () => {
    expect((await rejectionOf(backend.createGroup({ operationId: op(), group: undefined }))).message).toContain("no group");
    const id = randomUUID();
    const error = await rejectionOf(backend.deleteGroup({ operationId: op(), group: { id: randomUUID() }, volumes: [{ id }, { id }] }));
    expect(error.message).toContain("appears twice");
  });
});
