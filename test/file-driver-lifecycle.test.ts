// The example file driver's whole lifecycle through the host, as a user would run it: a real
// child process, a real socket, a real SQLite file and real volume files on disk.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHost, type Host } from "../host/index.js";

const root = join(import.meta.dirname, "..");
const FILE_DRIVER = join(root, "dist", "examples", "file-driver", "main.js");
// One "GiB" of the driver is 64 KiB here, so copies stay cheap while every code path runs.
const BYTES_PER_GB = 64 * 1024;

let dir: string;
let dataDir: string;
let host: Host;
let db: Database.Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cghost-file-driver-"));
  dataDir = join(dir, "file-driver");
  host = await openHost({
    storePath: join(dir, "cghost.db"),
    plugin: { command: process.execPath, args: [FILE_DRIVER, "--data-dir", dataDir, "--bytes-per-gb", String(BYTES_PER_GB)] },
  });
  db = new Database(join(dir, "cghost.db"), { readonly: true, fileMustExist: true });
});

afterAll(async () => {
  db?.close();
  try {
    await host?.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function volumeFile(id: string): string {
  return join(dataDir, "volumes", `${id}.img`);
}

function statusOf(table: string, id: string): string | undefined {
  return (db.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status?: string } | undefined)?.status;
}

/** Writes `text` at `offset` into a volume file, as an instance using the volume would. */
function writeInto(path: string, offset: number, text: string): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.from(text), 0, text.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe("the example file driver under the host", () => {
  it("creates a group, adds volumes, snapshots them, clones the snapshot and deletes everything", async () => {
    expect(host.pluginInfo.name).toBe("file-driver");

    const group = await host.createGroup({ name: "db-1", volumeTypes: ["gold"] });
    expect(statusOf("groups", group.id)).toBe("available");

    const volumeIds = [1, 2].map((sizeGb) => host.registerVolume({ sizeGb, volumeType: "gold" }).id);
    const updated = await host.updateGroup(group.id, { addVolumeIds: volumeIds });
    expect(updated.volumes.map((v) => v.id).sort()).toEqual([...volumeIds].sort());
    for (const id of volumeIds) {
      expect(statusOf("volumes", id)).toBe("available");
      expect(existsSync(volumeFile(id))).toBe(true);
    }
    expect(readFileSync(volumeFile(volumeIds[1]!)).length).toBe(2 * BYTES_PER_GB);

    // Data written before the snapshot must be in it; data written after must not.
    writeInto(volumeFile(volumeIds[0]!), 100, "before-snapshot-0");
    writeInto(volumeFile(volumeIds[1]!), 70_000, "before-snapshot-1");
    const { cgsnapshot, snapshots } = await host.createCgSnapshot(group.id, { name: "nightly" });
    expect(statusOf("cgsnapshots", cgsnapshot.id)).toBe("available");
    for (const s of snapshots) expect(statusOf("snapshots", s.id)).toBe("available");
    const snapshotBytes = volumeIds.map((id) => readFileSync(volumeFile(id)));
    writeInto(volumeFile(volumeIds[0]!), 100, "after--snapshot-0");

    const clone = await host.createGroupFromSource({ name: "db-1-clone", source: { cgsnapshotId: cgsnapshot.id } });
    expect(statusOf("groups", clone.group.id)).toBe("available");
    expect(clone.volumes).toHaveLength(2);
    for (const target of clone.volumes) {
      expect(statusOf("volumes", target.id)).toBe("available");
      const snapshot = snapshots.find((s) => s.id === target.sourceId)!;
      const origin = volumeIds.indexOf(snapshot.volumeId);
      expect(readFileSync(volumeFile(target.id)).equals(snapshotBytes[origin]!)).toBe(true);
    }
    expect(readFileSync(volumeFile(volumeIds[0]!)).includes("after--snapshot-0")).toBe(true);

    await host.deleteGroup(clone.group.id, { deleteVolumes: true });
    expect(statusOf("groups", clone.group.id)).toBe("deleted");
    for (const target of clone.volumes) {
      expect(statusOf("volumes", target.id)).toBe("deleted");
      expect(existsSync(volumeFile(target.id))).toBe(false);
    }

    await host.deleteCgSnapshot(cgsnapshot.id);
    expect(statusOf("cgsnapshots", cgsnapshot.id)).toBe("deleted");
    for (const s of snapshots) expect(statusOf("snapshots", s.id)).toBe("deleted");

    await host.deleteGroup(group.id, { deleteVolumes: true });
    expect(statusOf("groups", group.id)).toBe("deleted");
    for (const id of volumeIds) {
      expect(statusOf("volumes", id)).toBe("deleted");
      expect(existsSync(volumeFile(id))).toBe(false);
    }
    const open = db.prepare("SELECT count(*) AS n FROM journal WHERE state = 'open'").get() as { n: number };
    expect(open.n).toBe(0);
  });

  it("refuses a second driver on its data directory, naming the first; a killed driver's lock is taken over", async () => {
    const second = spawnSync(process.execPath, [FILE_DRIVER, "--data-dir", dataDir, "--address", `unix://${join(dir, "second.sock")}`], { encoding: "utf8", timeout: 20_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`file-driver: the data directory ${dataDir} is in use by another file driver (pid ${host.pluginPid})`);
    expect(readFileSync(join(dataDir, "driver.pid"), "utf8").trim()).toBe(String(host.pluginPid));
    // A lock whose holder is gone (here: a process that has exited) is taken over.
    const elsewhere = join(dir, "elsewhere");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "driver.pid"), `${dead}\n`);
    const other = await openHost({
      storePath: join(dir, "elsewhere.db"),
      plugin: { command: process.execPath, args: [FILE_DRIVER, "--data-dir", elsewhere, "--bytes-per-gb", String(BYTES_PER_GB)] },
    });
    try {
      expect(readFileSync(join(elsewhere, "driver.pid"), "utf8").trim()).toBe(String(other.pluginPid));
    } finally {
      await other.close();
    }
    // A driver that stops removes its lock.
    expect(existsSync(join(elsewhere, "driver.pid"))).toBe(false);
  });

  it("fails a cgsnapshot honestly when a member's file is gone, and records why", async () => {
    const group = await host.createGroup({ name: "db-2", volumeTypes: ["gold"] });
    const volumeIds = [1, 1].map(() => host.registerVolume({ sizeGb: 1, volumeType: "gold" }).id);
    await host.updateGroup(group.id, { addVolumeIds: volumeIds });
    rmSync(volumeFile(volumeIds[1]!));
    const error = await host.createCgSnapshot(group.id).then(
      () => undefined,
      (e: unknown) => e as { code: string; failure?: { ruleId: string; written: Array<{ kind: string; id: string; status: string }> } },
    );
    expect(error?.code).toBe("OPERATION_FAILED");
    expect(error?.failure?.ruleId).toBe("R5.2");
    const cgsnapshotId = error!.failure!.written.find((w) => w.kind === "cgsnapshot")!.id;
    expect(statusOf("cgsnapshots", cgsnapshotId)).toBe("error");
    const rows = db
      .prepare("SELECT volume_id, status FROM snapshots WHERE cgsnapshot_id = ? ORDER BY position")
      .all(cgsnapshotId) as Array<{ volume_id: string; status: string }>;
    expect(rows).toEqual([
      { volume_id: volumeIds[0], status: "available" },
      { volume_id: volumeIds[1], status: "error" },
    ]);
  });
});
