// The file driver's backend: the six operations over a data directory (layout.ts), each validated
// first, then run once per operation id through the ledger, then answered per item. It knows
// nothing of gRPC or the SDK, so it is tested directly (test/file-driver-store.test.ts).
import { constants } from "node:fs";
import { access, mkdir, rm, stat, unlink } from "node:fs/promises";
import { errnoCode, FileDriverError, throwIfAborted } from "./errors.js";
import { readGroupRecord, writeGroupRecord } from "./group-record.js";
import { checkId, checkIdList, required } from "./ids.js";
import { DataLayout } from "./layout.js";
import type {
  CgSnapshotAnswer,
  CreateCgSnapshotInput,
  CreateGroupAnswer,
  CreateGroupFromSourceInput,
  CreateGroupInput,
  DeleteCgSnapshotInput,
  DeleteGroupInput,
  GroupVolumesAnswer,
  ItemUpdate,
  UpdateGroupAnswer,
  UpdateGroupInput,
  VolumeRef,
} from "./model.js";
import { fingerprintOf, OperationLedger, type Outcome } from "./operation-ledger.js";
import { copyVolumeFile } from "./sparse-copy.js";
import { createSparseFileIfMissing } from "./sparse-file.js";

/** The default size of one "GB" of volume size: a real GiB. */
export const GIB = 1024 * 1024 * 1024;

/** Options of FileBackend.open. */
export interface FileBackendOptions {
  /** The data directory; created if missing. One driver process per data directory. */
  dataDir: string;
  /**
   * Bytes per GB of volume size; default 1 GiB. Tests and demos pass a small value (1 MiB makes a
   * 10 GB volume a 10 MiB file): without reflinks a copy reads the whole apparent size, holes
   * included, so real GiBs make every snapshot and clone slow.
   */
  bytesPerGb?: number;
  /** Try a reflink before the block copy; default true. */
  reflink?: boolean;
}

/** Per-call options: the call's AbortSignal, so a long copy is abandoned when the caller gives up. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What a probe says. */
export interface Readiness {
  ready: boolean;
  message: string;
}

/** A file-backed consistency-group backend over one data directory. */
export class FileBackend {
  private readonly ledger: OperationLedger;

  private constructor(
    /** The on-disk layout, for callers that need a path (tests, logs). */
    readonly layout: DataLayout,
    private readonly bytesPerGb: number,
    private readonly reflink: boolean,
  ) {
    this.ledger = new OperationLedger(layout);
  }

  /** Opens (creating if needed) a data directory and clears temporaries a crash left there. */
  static async open(options: FileBackendOptions): Promise<FileBackend> {
    const bytesPerGb = options.bytesPerGb ?? GIB;
    if (!Number.isSafeInteger(bytesPerGb) || bytesPerGb < 1) {
      throw new RangeError(`bytesPerGb must be a positive integer, got ${bytesPerGb}`);
    }
    const layout = new DataLayout(options.dataDir);
    await layout.prepare();
    return new FileBackend(layout, bytesPerGb, options.reflink ?? true);
  }

  /** Ready when every directory of the layout exists and is writable. */
  async probe(): Promise<Readiness> {
    const { volumesDir, groupsDir, cgsnapshotsDir, operationsDir } = this.layout;
    for (const dir of [volumesDir, groupsDir, cgsnapshotsDir, operationsDir]) {
      try {
        await access(dir, constants.W_OK);
      } catch (error) {
        return { ready: false, message: `data directory ${dir} is not writable (${errnoCode(error) ?? String(error)})` };
      }
    }
    return { ready: true, message: "" };
  }

  /** CreateConsistencyGroup: writes the group record; the group's location is that record. */
  async createGroup(req: CreateGroupInput): Promise<Outcome<CreateGroupAnswer>> {
    checkId("operation id", req.operationId);
    const groupId = checkId("group id", required("group", req.group).id);
    const path = this.layout.groupRecord(groupId);
    return this.ledger.once(req.operationId, "create-group", fingerprintOf({ groupId }), async () => {
      // A record already there belongs to this same group id: keep its membership.
      if ((await readGroupRecord(path)) === undefined) await writeGroupRecord(path, { id: groupId, members: [], departed: [] });
      return { modelUpdate: { status: "available", providerLocation: path } };
    });
  }

  /**
   * CreateConsistencyGroupFromSource: copies source item i onto volumes[i]. Any missing source
   * fails the whole call (NOT_FOUND): the host treats every returned answer as success (R2.2).
   */
  async createGroupFromSource(req: CreateGroupFromSourceInput, call: CallOptions = {}): Promise<Outcome<GroupVolumesAnswer>> {
    checkId("operation id", req.operationId);
    const groupId = checkId("group id", required("group", req.group).id);
    checkIdList("target volume id", req.volumes.map((v) => v.id));
    const source = required("source (cgsnapshot_source or group_source)", req.source);
    let sourceId: string;
    let sources: Array<{ id: string; what: string; path: string }>;
    if (source.$case === "cgsnapshotSource") {
      sourceId = checkId("source cgsnapshot id", required("source cgsnapshot", source.value.cgsnapshot).id);
      checkIdList("source snapshot id", source.value.snapshots.map((s) => s.id));
      sources = source.value.snapshots.map((s) => ({ id: s.id, what: `source snapshot ${s.id}`, path: this.layout.snapshotFile(sourceId, s.id) }));
    } else {
      sourceId = checkId("source group id", required("source group", source.value.group).id);
      checkIdList("source volume id", source.value.volumes.map((v) => v.id));
      sources = source.value.volumes.map((v) => ({ id: v.id, what: `source volume ${v.id}`, path: this.layout.volumeFile(v.id) }));
    }
    if (sources.length !== req.volumes.length) {
      throw new FileDriverError("INVALID_ARGUMENT", `the request has ${req.volumes.length} target volumes for ${sources.length} source items; item i is the source of volumes[i], so the counts must match`);
    }
    const targets = req.volumes.map((volume, i) => ({ volume, path: this.layout.volumeFile(volume.id), size: this.sizeOf(volume), source: sources[i]! }));
    const kind = source.$case === "cgsnapshotSource" ? "cgsnapshot" : "group";
    const subject = { groupId, kind, sourceId, pairs: targets.map((t) => [t.source.id, t.volume.id]) };

    return this.ledger.once(req.operationId, "create-group-from-source", fingerprintOf(subject), async () => {
      // Check every source before copying any, so a missing one fails fast and leaves no clones.
      for (const target of targets) {
        const sourceSize = await sizeOfSource(target.source.what, target.source.path);
        if (sourceSize > target.size) {
          throw new FileDriverError("INVALID_ARGUMENT", `target volume ${target.volume.id} (${target.size} bytes) is smaller than ${target.source.what} (${sourceSize} bytes)`);
        }
      }
      for (const target of targets) {
        throwIfAborted(call.signal, `creating group ${groupId} from ${kind} ${sourceId}`);
        try {
          await copyVolumeFile(target.source.path, target.path, { signal: call.signal, minimumSize: target.size, reflink: this.reflink });
        } catch (error) {
          if (errnoCode(error) === "ENOENT") throw missingSource(target.source.what, target.source.path, error);
          throw error;
        }
      }
      const record = this.layout.groupRecord(groupId);
      await writeGroupRecord(record, { id: groupId, members: targets.map((t) => t.volume.id), departed: [], source: { kind, id: sourceId } });
      return {
        modelUpdate: { status: "available", providerLocation: record },
        volumesModelUpdate: targets.map((t) => ({ id: t.volume.id, status: "available", providerLocation: t.path })),
      };
    });
  }

  /**
   * DeleteConsistencyGroup: removes each volume's file, then the group record. A file already gone
   * counts as deleted; one that cannot be removed is ERROR_DELETING and keeps the record.
   */
  async deleteGroup(req: DeleteGroupInput): Promise<Outcome<GroupVolumesAnswer>> {
    checkId("operation id", req.operationId);
    const groupId = checkId("group id", required("group", req.group).id);
    checkIdList("volume id", req.volumes.map((v) => v.id));
    const volumeIds = req.volumes.map((v) => v.id);
    return this.ledger.once(req.operationId, "delete-group", fingerprintOf({ groupId, volumeIds }), async () => {
      const volumesModelUpdate: ItemUpdate[] = [];
      for (const id of volumeIds) volumesModelUpdate.push(await removeItem(id, this.layout.volumeFile(id)));
      const record = this.layout.groupRecord(groupId);
      if (volumesModelUpdate.some((entry) => entry.status !== "deleted")) {
        // The group still holds files: keep its record so a later delete can finish the job.
        return { modelUpdate: { status: "error_deleting", providerLocation: record }, volumesModelUpdate };
      }
      const recordRemoval = await removeItem(groupId, record);
      return { modelUpdate: { status: recordRemoval.status, providerLocation: recordRemoval.providerLocation, reason: recordRemoval.reason }, volumesModelUpdate };
    });
  }

  /**
   * UpdateConsistencyGroup: materialises each added volume's sparse file on first sight and
   * records membership; removed volumes are recorded as departed and keep their files. Entries
   * carry no status, so an `in-use` volume stays `in-use`.
   */
  async updateGroup(req: UpdateGroupInput): Promise<Outcome<UpdateGroupAnswer>> {
    checkId("operation id", req.operationId);
    const groupId = checkId("group id", required("group", req.group).id);
    const added = req.addVolumes.map((v) => v.id);
    const removed = req.removeVolumes.map((v) => v.id);
    checkIdList("added volume id", added);
    checkIdList("removed volume id", removed);
    const both = added.find((id) => removed.includes(id));
    if (both !== undefined) throw new FileDriverError("INVALID_ARGUMENT", `volume ${both} is both added to and removed from group ${groupId}`);
    const sizes = req.addVolumes.map((v) => this.sizeOf(v));
    const path = this.layout.groupRecord(groupId);

    return this.ledger.once(req.operationId, "update-group", fingerprintOf({ groupId, added, removed }), async () => {
      const record = await readGroupRecord(path);
      if (record === undefined) {
        throw new FileDriverError("NOT_FOUND", `group ${groupId} has no record at ${path}: it was not created through this driver's data directory`);
      }
      // Files first, record last: a failure part-way leaves membership unchanged, as the host's
      // rules say for a failed update (R4.1), and the files made so far are reused on retry.
      for (const [i, volume] of req.addVolumes.entries()) await createSparseFileIfMissing(this.layout.volumeFile(volume.id), sizes[i]!);
      const members = [...record.members.filter((id) => !removed.includes(id)), ...added.filter((id) => !record.members.includes(id))];
      const departed = [...record.departed.filter((id) => !added.includes(id) && !removed.includes(id)), ...removed];
      await writeGroupRecord(path, { ...record, members, departed });
      const entry = (id: string): ItemUpdate => ({ id, providerLocation: this.layout.volumeFile(id) });
      return { modelUpdate: { providerLocation: path }, addVolumesUpdate: added.map(entry), removeVolumesUpdate: removed.map(entry) };
    });
  }

  /**
   * CreateCgSnapshot: copies each member volume's file into the cgsnapshot's directory. A member
   * whose file is missing (or cannot be copied) gets an ERROR entry, which fails the call (R5.2).
   */
  async createCgSnapshot(req: CreateCgSnapshotInput, call: CallOptions = {}): Promise<Outcome<CgSnapshotAnswer>> {
    checkId("operation id", req.operationId);
    const cgsnapshotId = checkId("cgsnapshot id", required("cgsnapshot", req.cgsnapshot).id);
    checkIdList("snapshot id", req.snapshots.map((s) => s.id));
    for (const s of req.snapshots) checkId(`volume id of snapshot ${s.id}`, s.volumeId);
    const pairs = req.snapshots.map((s) => ({ id: s.id, volumeId: s.volumeId, source: this.layout.volumeFile(s.volumeId), target: this.layout.snapshotFile(cgsnapshotId, s.id) }));
    const subject = { cgsnapshotId, pairs: pairs.map((p) => [p.id, p.volumeId]) };

    return this.ledger.once(req.operationId, "create-cgsnapshot", fingerprintOf(subject), async () => {
      const dir = this.layout.cgsnapshotDir(cgsnapshotId);
      await mkdir(dir, { recursive: true });
      // The copies are taken one after another, so they are consistent as a group only while
      // nothing writes to the volumes; a real array would quiesce them or snapshot them atomically.
      const snapshotsModelUpdate: ItemUpdate[] = [];
      for (const pair of pairs) {
        throwIfAborted(call.signal, `creating cgsnapshot ${cgsnapshotId}`);
        try {
          await copyVolumeFile(pair.source, pair.target, { signal: call.signal, reflink: this.reflink });
          snapshotsModelUpdate.push({ id: pair.id, status: "available", providerLocation: pair.target });
        } catch (error) {
          if (error instanceof FileDriverError) throw error; // cancelled: abandon, a retry redoes it
          // ENOENT is about the source only if the source is gone; the copy's own file can vanish too.
          const sourceGone = errnoCode(error) === "ENOENT" && !(await stat(pair.source).then(() => true, () => false));
          const reason = sourceGone
            ? `volume ${pair.volumeId} has no file at ${pair.source}`
            : `copying ${pair.source} to ${pair.target} failed: ${error instanceof Error ? error.message : String(error)}`;
          snapshotsModelUpdate.push({ id: pair.id, status: "error", reason });
        }
      }
      const failed = snapshotsModelUpdate.some((entry) => entry.status === "error");
      return { modelUpdate: { status: failed ? "error" : "available", providerLocation: dir }, snapshotsModelUpdate };
    });
  }

  /**
   * DeleteCgSnapshot: removes each snapshot file, then the cgsnapshot's directory. A file already
   * gone counts as deleted; one that cannot be removed is ERROR_DELETING and keeps the directory.
   */
  async deleteCgSnapshot(req: DeleteCgSnapshotInput): Promise<Outcome<CgSnapshotAnswer>> {
    checkId("operation id", req.operationId);
    const cgsnapshotId = checkId("cgsnapshot id", required("cgsnapshot", req.cgsnapshot).id);
    const snapshotIds = req.snapshots.map((s) => s.id);
    checkIdList("snapshot id", snapshotIds);
    return this.ledger.once(req.operationId, "delete-cgsnapshot", fingerprintOf({ cgsnapshotId, snapshotIds }), async () => {
      const snapshotsModelUpdate: ItemUpdate[] = [];
      for (const id of snapshotIds) snapshotsModelUpdate.push(await removeItem(id, this.layout.snapshotFile(cgsnapshotId, id)));
      const dir = this.layout.cgsnapshotDir(cgsnapshotId);
      if (snapshotsModelUpdate.some((entry) => entry.status !== "deleted")) {
        return { modelUpdate: { status: "error_deleting", providerLocation: dir }, snapshotsModelUpdate };
      }
      try {
        // Recursive: what is left is only temporaries of abandoned copies; the host sent every snapshot.
        await rm(dir, { recursive: true, force: true });
      } catch (error) {
        const reason = `removing ${dir} failed: ${errnoCode(error) ?? String(error)}`;
        return { modelUpdate: { status: "error_deleting", providerLocation: dir, reason }, snapshotsModelUpdate };
      }
      return { modelUpdate: { status: "deleted" }, snapshotsModelUpdate };
    });
  }

  /** The file size of a volume, refusing sizes that are not whole, non-negative and safe. */
  private sizeOf(volume: VolumeRef): number {
    const bytes = volume.sizeGb * this.bytesPerGb;
    if (!Number.isSafeInteger(volume.sizeGb) || volume.sizeGb < 0 || !Number.isSafeInteger(bytes)) {
      throw new FileDriverError("INVALID_ARGUMENT", `volume ${volume.id} has size ${volume.sizeGb} GB, which is not a usable whole number of GB`);
    }
    return bytes;
  }
}

/** Unlinks one item's file: DELETED when it is gone (or already was), ERROR_DELETING otherwise. */
async function removeItem(id: string, path: string): Promise<ItemUpdate> {
  try {
    await unlink(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== "ENOENT") return { id, status: "error_deleting", providerLocation: path, reason: `removing ${path} failed: ${code ?? String(error)}` };
  }
  return { id, status: "deleted" };
}

/** The size of a source file, or NOT_FOUND naming it. */
async function sizeOfSource(what: string, path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") throw missingSource(what, path, error);
    throw error;
  }
}

function missingSource(what: string, path: string, cause: unknown): FileDriverError {
  return new FileDriverError("NOT_FOUND", `${what} has no file at ${path}, so the group cannot be created from it`, { cause });
}
