// The backend's own request and answer shapes. Requests are the parts of the generated request
// messages the backend reads, so the SDK glue passes a request straight in; answers use the
// status words of RULES.md and plain arrays, so they can be stored in the operation ledger as JSON
// and mapped to the wire's enums and wrapper lists in one place (main.ts).

/** A group as a request names it. */
export interface GroupRef {
  readonly id: string;
}

/** A volume as a request names it; the size matters where the driver creates its file. */
export interface VolumeRef {
  readonly id: string;
  readonly sizeGb: number;
}

/** A cgsnapshot as a request names it. */
export interface CgSnapshotRef {
  readonly id: string;
}

/** A member snapshot as a request names it: the copy of one volume. */
export interface SnapshotRef {
  readonly id: string;
  readonly volumeId: string;
}

/** An item named by id only (what a delete or a removal needs). */
export interface ItemRef {
  readonly id: string;
}

/** CreateConsistencyGroupRequest, as far as the backend reads it. */
export interface CreateGroupInput {
  readonly operationId: string;
  readonly group: GroupRef | undefined;
}

/** The two kinds of source of CreateConsistencyGroupFromSourceRequest (the generated oneof union). */
export type GroupSourceInput =
  | { readonly $case: "cgsnapshotSource"; readonly value: { readonly cgsnapshot: CgSnapshotRef | undefined; readonly snapshots: readonly SnapshotRef[] } }
  | { readonly $case: "groupSource"; readonly value: { readonly group: GroupRef | undefined; readonly volumes: readonly ItemRef[] } };

/** CreateConsistencyGroupFromSourceRequest, as far as the backend reads it. */
export interface CreateGroupFromSourceInput {
  readonly operationId: string;
  readonly group: GroupRef | undefined;
  /** volumes[i] is made from the source's item i. */
  readonly volumes: readonly VolumeRef[];
  readonly source: GroupSourceInput | undefined;
}

/** DeleteConsistencyGroupRequest, as far as the backend reads it. */
export interface DeleteGroupInput {
  readonly operationId: string;
  readonly group: GroupRef | undefined;
  readonly volumes: readonly ItemRef[];
}

/** UpdateConsistencyGroupRequest, as far as the backend reads it. */
export interface UpdateGroupInput {
  readonly operationId: string;
  readonly group: GroupRef | undefined;
  readonly addVolumes: readonly VolumeRef[];
  readonly removeVolumes: readonly ItemRef[];
}

/** CreateCgSnapshotRequest, as far as the backend reads it. */
export interface CreateCgSnapshotInput {
  readonly operationId: string;
  readonly cgsnapshot: CgSnapshotRef | undefined;
  readonly snapshots: readonly SnapshotRef[];
}

/** DeleteCgSnapshotRequest, as far as the backend reads it. */
export interface DeleteCgSnapshotInput {
  readonly operationId: string;
  readonly cgsnapshot: CgSnapshotRef | undefined;
  readonly snapshots: readonly ItemRef[];
}

/** A status the driver reports, in RULES.md's words; each entity's enum has all four. */
export type ReportedStatus = "available" | "error" | "deleted" | "error_deleting";

/** A model_update: absent status leaves the status to the host; `reason` is for the log only. */
export interface ModelUpdate {
  status?: ReportedStatus;
  providerLocation?: string;
  reason?: string;
}

/** One per-item entry; `reason` explains an error status in the driver's log and is never sent. */
export interface ItemUpdate {
  id: string;
  status?: ReportedStatus;
  providerLocation?: string;
  reason?: string;
}

/** The answer to CreateConsistencyGroup. */
export interface CreateGroupAnswer {
  modelUpdate: ModelUpdate;
}

/** The answer to CreateConsistencyGroupFromSource and DeleteConsistencyGroup. */
export interface GroupVolumesAnswer {
  modelUpdate: ModelUpdate;
  volumesModelUpdate: ItemUpdate[];
}

/** The answer to UpdateConsistencyGroup. */
export interface UpdateGroupAnswer {
  modelUpdate: ModelUpdate;
  addVolumesUpdate: ItemUpdate[];
  removeVolumesUpdate: ItemUpdate[];
}

/** The answer to CreateCgSnapshot and DeleteCgSnapshot. */
export interface CgSnapshotAnswer {
  modelUpdate: ModelUpdate;
  snapshotsModelUpdate: ItemUpdate[];
}
