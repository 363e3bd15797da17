// The "checked first" rules of RULES.md: each throws a HostError naming the offending id and status,
// before anything is written.
import type { CgSnapshotRow, GroupRow, SnapshotRow, VolumeRow } from "../model.js";
import type { Store } from "../store/store.js";
import { HostError } from "./errors.js";

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Refuses an id that is empty, too long or has characters no id of ours has. */
export function checkId(what: string, id: unknown): string {
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    throw new HostError("INVALID_ARGUMENT", `${what} ${JSON.stringify(id)} is not a valid id (letters, digits, '.', '_', '-'; at most 128)`);
  }
  return id;
}

/** Refuses a list holding the same id twice. */
export function checkNoRepeats(what: string, ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new HostError("INVALID_ARGUMENT", `${what} names volume ${id} more than once`);
    seen.add(id);
  }
}

/** The live (not deleted) group with this id, or NOT_FOUND. */
export function liveGroup(store: Store, id: string): GroupRow {
  const group = store.getGroup(checkId("group", id));
  if (!group || group.deletedAt !== null) throw new HostError("NOT_FOUND", `group ${id} does not exist`);
  return group;
}

/** The live volume with this id, or NOT_FOUND. */
export function liveVolume(store: Store, id: string): VolumeRow {
  const volume = store.getVolume(checkId("volume", id));
  if (!volume || volume.deletedAt !== null) throw new HostError("NOT_FOUND", `volume ${id} does not exist`);
  return volume;
}

/** The live cgsnapshot with this id, or NOT_FOUND. */
export function liveCgSnapshot(store: Store, id: string): CgSnapshotRow {
  const cgsnapshot = store.getCgSnapshot(checkId("cgsnapshot", id));
  if (!cgsnapshot || cgsnapshot.deletedAt !== null) throw new HostError("NOT_FOUND", `cgsnapshot ${id} does not exist`);
  return cgsnapshot;
}

/** Refuses an object whose status is not one of `allowed`. */
export function checkStatus(
  what: string,
  row: { id: string; status: string },
  allowed: readonly string[],
  operation: string,
): void {
  if (!allowed.includes(row.status)) {
    throw new HostError(
      "INVALID_STATUS",
      `${what} ${row.id} is '${row.status}'; ${operation} needs it ${allowed.map((s) => `'${s}'`).join(" or ")}`,
    );
  }
}

/** Refuses a delete or use of a source that an unfinished create-from-source reads (possibly on another host). */
export function checkNotSourceInProgress(store: Store, what: "group" | "cgsnapshot", id: string, operation: string): void {
  for (const entry of store.listOpenJournal({ kind: "create_group_from_source" })) {
    const request = entry.request as { sourceGroupId?: string; sourceCgsnapshotId?: string };
    const source = what === "group" ? request.sourceGroupId : request.sourceCgsnapshotId;
    if (source === id) {
      throw new HostError(
        "INVALID_STATUS",
        `${what} ${id} is the source of create-from-source operation ${entry.operationId}, still in progress; ${operation} it when that ends`,
      );
    }
  }
}

/** RULES.md section 3, checked first. */
export function checkDeleteGroup(
  store: Store,
  group: GroupRow,
  volumes: readonly VolumeRow[],
  deleteVolumes: boolean,
): void {
  checkStatus("group", group, ["available", "error"], "delete");
  const cgsnapshots = store.listCgSnapshots({ groupId: group.id });
  if (cgsnapshots.length > 0) {
    const named = cgsnapshots.slice(0, 5).map((c) => `${c.id} ('${c.status}')`).join(", ");
    throw new HostError(
      "INVALID_STATUS",
      `group ${group.id} still has ${cgsnapshots.length} cgsnapshot(s): ${named}; delete them first`,
    );
  }
  checkNotSourceInProgress(store, "group", group.id, "delete");
  const attached = volumes.find((v) => v.status === "in-use");
  if (attached) {
    throw new HostError("INVALID_STATUS", `volume ${attached.id} of group ${group.id} is 'in-use'; detach it before deleting the group`);
  }
  if (volumes.length > 0 && !deleteVolumes) {
    throw new HostError(
      "INVALID_ARGUMENT",
      `group ${group.id} still holds ${volumes.length} volume(s); ask to delete its volumes too (deleteVolumes; --delete-volumes on the command line) or remove them first`,
    );
  }
  const busy = volumes.find((v) => !["available", "error", "error_deleting"].includes(v.status));
  if (busy) checkStatus("volume", busy, ["available", "error", "error_deleting"], "delete group");
}

/** RULES.md section 4, checked first: returns the rows of the volumes to add and to remove. */
export function checkUpdateGroup(
  store: Store,
  group: GroupRow,
  addIds: readonly string[],
  removeIds: readonly string[],
): { add: VolumeRow[]; remove: VolumeRow[] } {
  checkStatus("group", group, ["available"], "update");
  checkNoRepeats("the add list", addIds);
  checkNoRepeats("the remove list", removeIds);
  const both = addIds.find((id) => removeIds.includes(id));
  if (both !== undefined) throw new HostError("INVALID_ARGUMENT", `volume ${both} is in both the add and the remove list`);
  if (addIds.length === 0 && removeIds.length === 0) {
    throw new HostError("INVALID_ARGUMENT", `update of group ${group.id} changes nothing: name at least one volume to add or remove`);
  }
  const add = addIds.map((id) => {
    const volume = liveVolume(store, id);
    checkStatus("volume", volume, ["available", "in-use"], "adding to a group");
    if (volume.groupId === group.id) throw new HostError("INVALID_ARGUMENT", `volume ${id} is already in group ${group.id}`);
    if (volume.groupId !== null) {
      throw new HostError("INVALID_STATUS", `volume ${id} is in group ${volume.groupId}; remove it from that group first`);
    }
    if (!group.volumeTypes.includes(volume.volumeType)) {
      throw new HostError(
        "INVALID_ARGUMENT",
        `volume ${id} has type '${volume.volumeType}', which group ${group.id} does not support (${group.volumeTypes.join(", ")})`,
      );
    }
    return volume;
  });
  const remove = removeIds.map((id) => {
    const volume = liveVolume(store, id);
    if (volume.groupId !== group.id) {
      throw new HostError(
        "INVALID_ARGUMENT",
        `volume ${id} is not in group ${group.id} (it is in ${volume.groupId === null ? "no group" : `group ${volume.groupId}`})`,
      );
    }
    checkStatus("volume", volume, ["available", "in-use", "error", "error_deleting"], "removing from a group");
    return volume;
  });
  return { add, remove };
}

/** RULES.md section 5, checked first. */
export function checkCreateCgSnapshot(group: GroupRow, volumes: readonly VolumeRow[]): void {
  checkStatus("group", group, ["available"], "create a cgsnapshot of");
  if (volumes.length === 0) {
    throw new HostError("INVALID_STATUS", `group ${group.id} holds no volume; add volumes before taking a cgsnapshot`);
  }
}

/** RULES.md section 6, checked first. */
export function checkDeleteCgSnapshot(store: Store, cgsnapshot: CgSnapshotRow): void {
  checkStatus("cgsnapshot", cgsnapshot, ["available", "error"], "delete");
  checkNotSourceInProgress(store, "cgsnapshot", cgsnapshot.id, "delete");
}

/** RULES.md section 2, checked first, for a cgsnapshot source: every snapshot available. */
export function checkCgSnapshotSource(cgsnapshot: CgSnapshotRow, snapshots: readonly SnapshotRow[]): void {
  checkStatus("cgsnapshot", cgsnapshot, ["available"], "create a group from");
  for (const snapshot of snapshots) checkStatus("snapshot", snapshot, ["available"], "create a group from its cgsnapshot");
}

/** RULES.md section 2, checked first, for a group source: every volume available. */
export function checkGroupSource(group: GroupRow, volumes: readonly VolumeRow[]): void {
  // A group in a transitional status is mid-operation (on another host): its volumes are moving.
  checkStatus("group", group, ["available", "error"], "create a group from");
  for (const volume of volumes) checkStatus("volume", volume, ["available"], "create a group from its group");
}
