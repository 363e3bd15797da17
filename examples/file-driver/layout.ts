// Where everything lives under the data directory. Every path is built here, from ids that
// ids.ts has already checked, so no other file joins user input into a path.
//
//   <data-dir>/volumes/<volumeId>.img                     sparse volume files
//   <data-dir>/groups/<groupId>.json                      group records (membership)
//   <data-dir>/cgsnapshots/<cgsnapshotId>/<snapshotId>.img  one copy per member volume
//   <data-dir>/operations/<operationId>.json              answers of completed operations
import { mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sweepTemporaries } from "./atomic-file.js";
import { checkId } from "./ids.js";

/** The on-disk layout of one file-driver data directory. */
export class DataLayout {
  /** The data directory, absolute, so provider locations stay meaningful from any working directory. */
  readonly root: string;
  readonly volumesDir: string;
  readonly groupsDir: string;
  readonly cgsnapshotsDir: string;
  readonly operationsDir: string;

  constructor(dataDir: string) {
    this.root = resolve(dataDir);
    this.volumesDir = join(this.root, "volumes");
    this.groupsDir = join(this.root, "groups");
    this.cgsnapshotsDir = join(this.root, "cgsnapshots");
    this.operationsDir = join(this.root, "operations");
  }

  /** Creates the directories if missing and removes temporaries a crashed process left behind. */
  async prepare(): Promise<void> {
    const dirs = [this.volumesDir, this.groupsDir, this.cgsnapshotsDir, this.operationsDir];
    for (const dir of dirs) await mkdir(dir, { recursive: true });
    const snapshotDirs = (await readdir(this.cgsnapshotsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(this.cgsnapshotsDir, entry.name));
    for (const dir of [...dirs, ...snapshotDirs]) await sweepTemporaries(dir);
  }

  /** The sparse file of a volume. */
  volumeFile(volumeId: string): string {
    return join(this.volumesDir, `${checkId("volume id", volumeId)}.img`);
  }

  /** The record of a group. */
  groupRecord(groupId: string): string {
    return join(this.groupsDir, `${checkId("group id", groupId)}.json`);
  }

  /** The directory holding a cgsnapshot's copies. */
  cgsnapshotDir(cgsnapshotId: string): string {
    return join(this.cgsnapshotsDir, checkId("cgsnapshot id", cgsnapshotId));
  }

  /** The copy of one member volume inside a cgsnapshot. */
  snapshotFile(cgsnapshotId: string, snapshotId: string): string {
    return join(this.cgsnapshotDir(cgsnapshotId), `${checkId("snapshot id", snapshotId)}.img`);
  }

  /** The ledger entry of an operation. */
  operationRecord(operationId: string): string {
    return join(this.operationsDir, `${checkId("operation id", operationId)}.json`);
  }
}
