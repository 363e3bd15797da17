// What the benchmark's driver answers, at once, to each operation: shared by the SDK plugin and
// the bare grpc-js server so both send the same response messages.
import type {
  CreateCgSnapshotRequest,
  CreateCgSnapshotResponse,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupFromSourceResponse,
  CreateConsistencyGroupResponse,
  DeleteCgSnapshotRequest,
  DeleteCgSnapshotResponse,
  DeleteConsistencyGroupRequest,
  DeleteConsistencyGroupResponse,
  UpdateConsistencyGroupResponse,
} from "../gen/cgdriver/v1/driver.js";
import { type SnapshotUpdate, SnapshotStatus, type VolumeUpdate, VolumeStatus } from "../gen/cgdriver/v1/types.js";

/**
 * `none`: every model_update and per-item list absent (the interface's "returned None"), the
 * smallest success. `entries`: one per-item entry for every volume or snapshot sent, as a driver
 * that reports each item does; it makes the response as large as the request's lists.
 */
export type AnswerMode = "none" | "entries";

/** Reads the answer mode from BENCH_ANSWER; `none` when unset. */
export function answerModeFromEnv(env: NodeJS.ProcessEnv = process.env): AnswerMode {
  const mode = env.BENCH_ANSWER ?? "none";
  if (mode !== "none" && mode !== "entries") throw new Error(`BENCH_ANSWER=${mode} is not 'none' or 'entries'`);
  return mode;
}

/** The six answers for one mode; each returns at once. */
export function answersFor(mode: AnswerMode) {
  const entries = mode === "entries";
  return {
    createConsistencyGroup: (): CreateConsistencyGroupResponse => ({ modelUpdate: undefined }),
    createConsistencyGroupFromSource: (req: CreateConsistencyGroupFromSourceRequest): CreateConsistencyGroupFromSourceResponse => ({
      modelUpdate: undefined,
      volumesModelUpdate: entries ? { updates: req.volumes.map((v) => volumeEntry(v.id, VolumeStatus.VOLUME_STATUS_AVAILABLE)) } : undefined,
    }),
    deleteConsistencyGroup: (req: DeleteConsistencyGroupRequest): DeleteConsistencyGroupResponse => ({
      modelUpdate: undefined,
      volumesModelUpdate: entries ? { updates: req.volumes.map((v) => volumeEntry(v.id, VolumeStatus.VOLUME_STATUS_DELETED)) } : undefined,
    }),
    updateConsistencyGroup: (): UpdateConsistencyGroupResponse => ({
      modelUpdate: undefined,
      addVolumesUpdate: undefined,
      removeVolumesUpdate: undefined,
    }),
    createCgSnapshot: (req: CreateCgSnapshotRequest): CreateCgSnapshotResponse => ({
      modelUpdate: undefined,
      snapshotsModelUpdate: entries ? { updates: req.snapshots.map((s) => snapshotEntry(s.id, SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE)) } : undefined,
    }),
    deleteCgSnapshot: (req: DeleteCgSnapshotRequest): DeleteCgSnapshotResponse => ({
      modelUpdate: undefined,
      snapshotsModelUpdate: entries ? { updates: req.snapshots.map((s) => snapshotEntry(s.id, SnapshotStatus.SNAPSHOT_STATUS_DELETED)) } : undefined,
    }),
  };
}

function volumeEntry(id: string, status: VolumeStatus): VolumeUpdate {
  return { id, status, metadata: {} };
}

function snapshotEntry(id: string, status: SnapshotStatus): SnapshotUpdate {
  return { id, status, metadata: {} };
}
