// The request each driver RPC carries in the benchmark's workload, built from the generated
// contract alone, so the baseline sends what the host sends without depending on the host.
import { randomUUID } from "node:crypto";
import {
  ConsistencyGroupDriverServiceService,
  type CreateCgSnapshotRequest,
  type CreateConsistencyGroupFromSourceRequest,
  type CreateConsistencyGroupRequest,
  type DeleteCgSnapshotRequest,
  type DeleteConsistencyGroupRequest,
  type UpdateConsistencyGroupRequest,
} from "../gen/cgdriver/v1/driver.js";
import {
  type CallerContext,
  type CgSnapshot,
  CgSnapshotStatus,
  type ConsistencyGroup,
  GroupStatus,
  type Snapshot,
  SnapshotStatus,
  type Volume,
  VolumeStatus,
} from "../gen/cgdriver/v1/types.js";

/** The six operations, named as the host names them. */
export type BenchOperation =
  | "create_group"
  | "create_group_from_source"
  | "delete_group"
  | "update_group"
  | "create_cgsnapshot"
  | "delete_cgsnapshot";

/** Each operation's method definition on the generated service (path, serializers). */
export const METHOD_BY_OPERATION = {
  create_group: ConsistencyGroupDriverServiceService.createConsistencyGroup,
  create_group_from_source: ConsistencyGroupDriverServiceService.createConsistencyGroupFromSource,
  delete_group: ConsistencyGroupDriverServiceService.deleteConsistencyGroup,
  update_group: ConsistencyGroupDriverServiceService.updateConsistencyGroup,
  create_cgsnapshot: ConsistencyGroupDriverServiceService.createCgSnapshot,
  delete_cgsnapshot: ConsistencyGroupDriverServiceService.deleteCgSnapshot,
} as const;

/** The request message type of each operation. */
export interface SampleRequests {
  create_group: CreateConsistencyGroupRequest;
  create_group_from_source: CreateConsistencyGroupFromSourceRequest;
  delete_group: DeleteConsistencyGroupRequest;
  update_group: UpdateConsistencyGroupRequest;
  create_cgsnapshot: CreateCgSnapshotRequest;
  delete_cgsnapshot: DeleteCgSnapshotRequest;
}

const NOW = "2025-01-01T00:00:00.000Z";
void NOW;

function context(): CallerContext {
  return { requestId: randomUUID(), projectId: "default", userId: "" };
}

function group(id: string, name: string, status: GroupStatus): ConsistencyGroup {
  return {
    id,
    name,
    description: "",
    projectId: "default",
    volumeTypes: ["gold"],
    status,
    providerLocation: "",
    providerId: "",
    metadata: {},
  };
}

function volume(id: string, groupId: string, status: VolumeStatus): Volume {
  return {
    id,
    name: "",
    sizeGb: 1,
    volumeType: "gold",
    projectId: "default",
    status,
    groupId,
    providerLocation: "",
    providerId: "",
    metadata: {},
  };
}

function cgsnapshot(id: string, groupId: string, status: CgSnapshotStatus): CgSnapshot {
  return { id, groupId, name: "", description: "", projectId: "default", status, providerLocation: "", providerId: "", metadata: {} };
}

function snapshot(id: string, cgsnapshotId: string, volumeId: string, status: SnapshotStatus): Snapshot {
  return { id, cgsnapshotId, volumeId, volumeSizeGb: 1, status, providerLocation: "", providerId: "", metadata: {} };
}

/**
 * One request per operation, shaped as the host builds them in the benchmark's cycle: a group of
 * one volume of one type, a cgsnapshot of one snapshot, a clone of one volume; ids are UUIDs and
 * rows carry the transitional status the host writes before the call.
 */
export function sampleRequests(): SampleRequests {
  const groupId = randomUUID();
  const volumeId = randomUUID();
  const cgsnapshotId = randomUUID();
  const snapshotId = randomUUID();
  const cloneId = randomUUID();
  const cloneVolumeId = randomUUID();
  return {
    create_group: {
      operationId: randomUUID(),
      context: context(),
      group: group(groupId, "bench-group", GroupStatus.GROUP_STATUS_CREATING),
    },
    update_group: {
      operationId: randomUUID(),
      context: context(),
      group: group(groupId, "bench-group", GroupStatus.GROUP_STATUS_UPDATING),
      addVolumes: [volume(volumeId, "", VolumeStatus.VOLUME_STATUS_AVAILABLE)],
      removeVolumes: [],
    },
    create_cgsnapshot: {
      operationId: randomUUID(),
      context: context(),
      cgsnapshot: cgsnapshot(cgsnapshotId, groupId, CgSnapshotStatus.CG_SNAPSHOT_STATUS_CREATING),
      snapshots: [snapshot(snapshotId, cgsnapshotId, volumeId, SnapshotStatus.SNAPSHOT_STATUS_CREATING)],
      group: group(groupId, "bench-group", GroupStatus.GROUP_STATUS_AVAILABLE),
    },
    create_group_from_source: {
      operationId: randomUUID(),
      context: context(),
      group: group(cloneId, "bench-clone", GroupStatus.GROUP_STATUS_CREATING),
      volumes: [volume(cloneVolumeId, cloneId, VolumeStatus.VOLUME_STATUS_CREATING)],
      source: {
        $case: "cgsnapshotSource",
        value: {
          cgsnapshot: cgsnapshot(cgsnapshotId, groupId, CgSnapshotStatus.CG_SNAPSHOT_STATUS_AVAILABLE),
          snapshots: [snapshot(snapshotId, cgsnapshotId, volumeId, SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE)],
        },
      },
    },
    delete_cgsnapshot: {
      operationId: randomUUID(),
      context: context(),
      cgsnapshot: cgsnapshot(cgsnapshotId, groupId, CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETING),
      snapshots: [snapshot(snapshotId, cgsnapshotId, volumeId, SnapshotStatus.SNAPSHOT_STATUS_DELETING)],
    },
    delete_group: {
      operationId: randomUUID(),
      context: context(),
      group: group(groupId, "bench-group", GroupStatus.GROUP_STATUS_DELETING),
      volumes: [volume(volumeId, groupId, VolumeStatus.VOLUME_STATUS_DELETING)],
    },
  };
}
