// What `--json` prints: one JSON object per command, with stable camelCase keys, `null` for what
// is absent, ISO-8601 times, and always `id` and `status` first for a row.
import type { CgSnapshot, ConsistencyGroup, LastError, Operation, OperationEvent, OperationRows, Plugin, Snapshot, Volume } from "../front/front-contract.js";

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A volume for --json. */
export function volumeJson(v: Volume): { [key: string]: Json } {
  return {
    id: v.id,
    status: v.status,
    name: v.name,
    sizeGb: v.sizeGb,
    volumeType: v.volumeType,
    groupId: v.groupId || null,
    sourceId: v.sourceId || null,
    projectId: v.projectId,
    ...providerJson(v),
  };
}

/** A group, with its volumes when known, for --json. */
export function groupJson(g: ConsistencyGroup, volumes?: readonly Volume[]): { [key: string]: Json } {
  return {
    id: g.id,
    status: g.status,
    name: g.name,
    description: g.description,
    volumeTypes: g.volumeTypes,
    projectId: g.projectId,
    sourceCgsnapshotId: g.sourceCgsnapshotId || null,
    sourceGroupId: g.sourceGroupId || null,
    ...providerJson(g),
    ...(volumes ? { volumes: volumes.map(volumeJson) } : {}),
  };
}

/** A cgsnapshot, with its snapshots when known, for --json. */
export function cgsnapshotJson(c: CgSnapshot, snapshots?: readonly Snapshot[]): { [key: string]: Json } {
  return {
    id: c.id,
    status: c.status,
    groupId: c.groupId,
    name: c.name,
    description: c.description,
    projectId: c.projectId,
    ...providerJson(c),
    ...(snapshots ? { snapshots: snapshots.map(snapshotJson) } : {}),
  };
}

/** A snapshot for --json. */
export function snapshotJson(s: Snapshot): { [key: string]: Json } {
  return { id: s.id, status: s.status, volumeId: s.volumeId, volumeSizeGb: s.volumeSizeGb, cgsnapshotId: s.cgsnapshotId, ...providerJson(s) };
}

/** A plugin for --json. */
export function pluginJson(p: Plugin): { [key: string]: Json } {
  return {
    name: p.name,
    state: p.state,
    stateMessage: p.stateMessage || null,
    vendorVersion: p.vendorVersion,
    contractVersions: p.contractVersions,
    restarts: p.restarts,
    pid: p.pid || null,
    address: p.address,
    operations: p.operations,
    createFromSourceKinds: p.createFromSourceKinds,
  };
}

/** An operation of the journal for --json, with the ids of its rows when known (show). */
export function operationJson(o: Operation, rows?: OperationRows): { [key: string]: Json } {
  return {
    operationId: o.operationId,
    state: o.state,
    operation: o.operation,
    result: o.result || null,
    groupId: o.groupId,
    requestId: o.requestId || null,
    startedAt: o.startTime?.toISOString() ?? null,
    endedAt: o.endTime?.toISOString() ?? null,
    rows: rows
      ? { groups: rows.groupIds, volumes: rows.volumeIds, cgsnapshots: rows.cgsnapshotIds, snapshots: rows.snapshotIds }
      : { groups: o.groupCount, volumes: o.volumeCount, cgsnapshots: o.cgsnapshotCount, snapshots: o.snapshotCount },
  };
}

/** An operation's outcome, as `cghost operation watch --json` prints it (one per line). */
export function operationEventJson(e: OperationEvent): { [key: string]: Json } {
  return {
    operationId: e.operationId,
    operation: e.operation,
    ok: e.ok,
    ruleId: e.ruleId,
    cause: e.cause || null,
    groupId: e.groupId,
    requestId: e.requestId,
    durationMs: e.durationMs,
    at: e.time?.toISOString() ?? null,
    written: e.written.map((w) => ({ kind: w.kind, id: w.id, status: w.status })),
    warnings: e.warnings,
  };
}

function providerJson(row: {
  providerLocation: string;
  providerId: string;
  metadata: { [key: string]: string };
  createTime?: Date | undefined;
  updateTime?: Date | undefined;
  deleteTime?: Date | undefined;
  lastError?: LastError | undefined;
}): { [key: string]: Json } {
  return {
    providerLocation: row.providerLocation || null,
    providerId: row.providerId || null,
    metadata: row.metadata,
    createdAt: row.createTime?.toISOString() ?? null,
    updatedAt: row.updateTime?.toISOString() ?? null,
    deletedAt: row.deleteTime?.toISOString() ?? null,
    lastError: row.lastError ? lastErrorJson(row.lastError) : null,
  };
}

function lastErrorJson(e: LastError): { [key: string]: Json } {
  return {
    code: e.code,
    grpcCode: e.grpcCode?.value ?? null,
    message: e.message,
    at: e.time?.toISOString() ?? null,
    operationId: e.operationId,
  };
}
