// The host's rows as front API messages: nulls become empty strings or absent messages, as each
// field of proto/cghost/v1/resources.proto documents.
import type { OperationEvent as HostOperationEvent, OperationRecord } from "../manager/host.js";
import type { CgSnapshotRow, GroupRow, LastError as LastErrorRow, SnapshotRow, VolumeRow } from "../model.js";
import type { PluginStatus } from "./plugin-status.js";
import { CgSnapshot, ConsistencyGroup, LastError, Operation, OperationEvent, Plugin, Snapshot, Volume } from "./front-contract.js";

/** A volume row as a message. */
export function volumeToMessage(row: VolumeRow): Volume {
  return Volume.fromPartial({
    id: row.id,
    name: row.name,
    sizeGb: row.sizeGb,
    volumeType: row.volumeType,
    projectId: row.projectId,
    status: row.status,
    groupId: row.groupId ?? "",
    sourceId: row.sourceId ?? "",
    ...providerFields(row),
    ...times(row),
  });
}

/** A group row as a message. */
export function groupToMessage(row: GroupRow): ConsistencyGroup {
  return ConsistencyGroup.fromPartial({
    id: row.id,
    name: row.name,
    description: row.description,
    volumeTypes: row.volumeTypes,
    projectId: row.projectId,
    status: row.status,
    sourceCgsnapshotId: row.sourceCgsnapshotId ?? "",
    sourceGroupId: row.sourceGroupId ?? "",
    ...providerFields(row),
    ...times(row),
  });
}

/** A cgsnapshot row as a message. */
export function cgsnapshotToMessage(row: CgSnapshotRow): CgSnapshot {
  return CgSnapshot.fromPartial({
    id: row.id,
    groupId: row.groupId,
    name: row.name,
    description: row.description,
    projectId: row.projectId,
    status: row.status,
    ...providerFields(row),
    ...times(row),
  });
}

/** A snapshot row as a message. */
export function snapshotToMessage(row: SnapshotRow): Snapshot {
  return Snapshot.fromPartial({
    id: row.id,
    cgsnapshotId: row.cgsnapshotId,
    volumeId: row.volumeId,
    volumeSizeGb: row.volumeSizeGb,
    status: row.status,
    ...providerFields(row),
    ...times(row),
  });
}

/** A plugin's status as a message. */
export function pluginToMessage(plugin: PluginStatus): Plugin {
  return Plugin.fromPartial({
    name: plugin.info.name,
    vendorVersion: plugin.info.vendorVersion,
    contractVersions: plugin.info.contractVersions,
    state: plugin.state,
    stateMessage: plugin.stateMessage,
    restarts: plugin.restarts,
    pid: plugin.pid ?? 0,
    address: plugin.address,
    operations: plugin.capabilities.operations,
    createFromSourceKinds: plugin.capabilities.createFromSourceKinds,
  });
}

/** One operation of the journal as a message. */
export function operationToMessage(op: OperationRecord): Operation {
  return Operation.fromPartial({
    operationId: op.operationId,
    operation: op.kind,
    groupId: op.groupId,
    state: op.state,
    result: op.result ?? "",
    requestId: op.requestId,
    startTime: new Date(op.createdAt),
    endTime: op.closedAt === null ? undefined : new Date(op.closedAt),
    groupCount: op.counts.groups,
    volumeCount: op.counts.volumes,
    cgsnapshotCount: op.counts.cgsnapshots,
    snapshotCount: op.counts.snapshots,
  });
}

/** A host "operation" event as a message, stamped with the time it is sent. */
export function operationEventToMessage(event: HostOperationEvent, time: Date): OperationEvent {
  return OperationEvent.fromPartial({
    operation: event.kind,
    operationId: event.operationId,
    requestId: event.requestId,
    groupId: event.groupId,
    ok: event.ok,
    ruleId: event.ruleId,
    cause: event.cause ?? "",
    durationMs: event.ms,
    written: event.written,
    time,
    warnings: event.warnings,
  });
}

function providerFields(row: {
  providerLocation: string | null;
  providerId: string | null;
  metadata: Record<string, string>;
  lastError: LastErrorRow | null;
}): { providerLocation: string; providerId: string; metadata: Record<string, string>; lastError: LastError | undefined } {
  return {
    providerLocation: row.providerLocation ?? "",
    providerId: row.providerId ?? "",
    metadata: row.metadata,
    lastError: row.lastError ? lastErrorToMessage(row.lastError) : undefined,
  };
}

function lastErrorToMessage(error: LastErrorRow): LastError {
  return LastError.fromPartial({
    code: error.code,
    grpcCode: error.grpcCode === undefined ? undefined : { value: error.grpcCode },
    message: error.message,
    time: new Date(error.at),
    operationId: error.operationId,
  });
}

function times(row: { createdAt: string; updatedAt: string; deletedAt: string | null }): {
  createTime: Date;
  updateTime: Date;
  deleteTime: Date | undefined;
} {
  return {
    createTime: new Date(row.createdAt),
    updateTime: new Date(row.updatedAt),
    deleteTime: row.deletedAt === null ? undefined : new Date(row.deletedAt),
  };
}
