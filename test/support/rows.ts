// Fixtures for the pure rule tests: rows as the manager hands them to the rules (already in
// their transitional status), driver outcomes, and the writes the tests expect back.
import type {
  CgSnapshotRow,
  CgSnapshotStatus,
  EntityKind,
  GroupRow,
  GroupStatus,
  LastError,
  ProviderFields,
  RowWrite,
  SnapshotRow,
  SnapshotStatus,
  VolumeRow,
  VolumeStatus,
} from "../../host/model.js";
import type { DriverFailure, DriverOutcome, RuleContext } from "../../host/rules/outcome.js";

/** The context every rule test decides in. */
export const CTX: RuleContext = { operationId: "op-1", now: "2030-01-02T03:04:05.000Z" };

const COMMON = {
  projectId: "p1",
  providerLocation: null,
  providerId: null,
  metadata: {},
  createdAt: "2030-01-01T00:00:00.000Z",
  updatedAt: "2030-01-01T00:00:00.000Z",
  deletedAt: null,
  lastError: null,
};

/** A group row. */
export function groupRow(id: string, status: GroupStatus): GroupRow {
  return {
    ...COMMON,
    id,
    status,
    name: id,
    description: "",
    volumeTypes: ["gold"],
    sourceCgsnapshotId: null,
    sourceGroupId: null,
  };
}

/** A volume row, in `groupId` (or in no group). */
export function volumeRow(id: string, status: VolumeStatus, groupId: string | null = "g1"): VolumeRow {
  return { ...COMMON, id, status, name: id, sizeGb: 1, volumeType: "gold", groupId, sourceId: null };
}

/** A cgsnapshot row of group g1. */
export function cgsnapshotRow(id: string, status: CgSnapshotStatus): CgSnapshotRow {
  return { ...COMMON, id, status, groupId: "g1", name: id, description: "" };
}

/** A snapshot row of cgsnapshot c1. */
export function snapshotRow(id: string, status: SnapshotStatus): SnapshotRow {
  return { ...COMMON, id, status, cgsnapshotId: "c1", volumeId: `vol-of-${id}`, volumeSizeGb: 1 };
}

/** The driver answered OK with `response`. */
export function returned<R>(response: R): DriverOutcome<R> {
  return { kind: "returned", response };
}

/** The driver raised a gRPC error (INTERNAL unless told). */
export function raised<R>(message = "array offline", grpcCode = 13): DriverOutcome<R> {
  return { kind: "raised", failure: { code: "DRIVER_FAILED", grpcCode, message } };
}

/** The last error stamped for exactly this failure. */
export function lastErrorFor(failure: DriverFailure): LastError {
  return {
    code: failure.code,
    ...(failure.grpcCode === undefined ? {} : { grpcCode: failure.grpcCode }),
    message: failure.message,
    at: CTX.now,
    operationId: CTX.operationId,
  };
}

/** The full write expected for one row; keys left out of `extras` must be absent. */
export function write(
  kind: EntityKind,
  id: string,
  expectStatus: string,
  status: string,
  extras: { provider?: ProviderFields; groupId?: string | null; lastError?: LastError } = {},
): RowWrite {
  return {
    kind,
    id,
    expect: [expectStatus],
    status,
    ...(status === "deleted" ? { softDelete: true } : {}),
    ...extras,
  };
}
