// RULES.md section 7 as pure rules: every kind of malformed answer (R7.1-R7.5) across the
// operations. A malformed answer takes the table's raised row, with a MALFORMED_RESPONSE failure
// naming the rule and the offender, and nothing of the answer (no provider field, no membership
// move, no reported status) is written.
import { describe, expect, it } from "vitest";
import {
  CgSnapshotStatus,
  CreateCgSnapshotResponse,
  CreateConsistencyGroupFromSourceResponse,
  CreateConsistencyGroupResponse,
  DeleteCgSnapshotResponse,
  DeleteConsistencyGroupResponse,
  GroupStatus,
  SnapshotStatus,
  UpdateConsistencyGroupResponse,
  VolumeStatus,
} from "../host/contract.js";
import {
  decideCreateCgSnapshot,
  decideCreateGroup,
  decideCreateGroupFromSource,
  decideDeleteCgSnapshot,
  decideDeleteGroup,
  decideUpdateGroup,
  type RuleResult,
} from "../host/rules/index.js";
import { CTX, cgsnapshotRow, groupRow, returned, snapshotRow, volumeRow } from "./support/rows.js";

type PartialOf<T extends { fromPartial(object: never): unknown }> = Parameters<T["fromPartial"]>[0];

// One helper per operation, taking a whole response so tests can set `_unknownFields` on it
// (fromPartial does not copy them).

function createGroup(partial: PartialOf<typeof CreateConsistencyGroupResponse>): RuleResult {
  return createGroupDecoded(CreateConsistencyGroupResponse.fromPartial(partial));
}

function createGroupDecoded(response: CreateConsistencyGroupResponse): RuleResult {
  return decideCreateGroup({ group: groupRow("g1", "creating") }, returned(response), CTX);
}

function createFromSource(response: CreateConsistencyGroupFromSourceResponse): RuleResult {
  const rows = { group: groupRow("g1", "creating"), volumes: [volumeRow("v1", "creating"), volumeRow("v2", "creating")] };
  return decideCreateGroupFromSource(rows, returned(response), CTX);
}

function deleteGroup(response: DeleteConsistencyGroupResponse): RuleResult {
  const rows = { group: groupRow("g1", "deleting"), volumes: [volumeRow("v1", "deleting"), volumeRow("v2", "deleting")] };
  return decideDeleteGroup(rows, returned(response), CTX);
}

function updateGroup(response: UpdateConsistencyGroupResponse): RuleResult {
  const rows = {
    group: groupRow("g1", "updating"),
    addVolumes: [volumeRow("a1", "available", null)],
    removeVolumes: [volumeRow("r1", "in-use")],
  };
  return decideUpdateGroup(rows, returned(response), CTX);
}

function createCgSnapshot(response: CreateCgSnapshotResponse): RuleResult {
  const snapshots = [snapshotRow("s1", "creating"), snapshotRow("s2", "creating")];
  const rows = { cgsnapshot: cgsnapshotRow("c1", "creating"), snapshots };
  return decideCreateCgSnapshot(rows, returned(response), CTX);
}

function deleteCgSnapshot(response: DeleteCgSnapshotResponse): RuleResult {
  const snapshots = [snapshotRow("s1", "deleting"), snapshotRow("s2", "deleting")];
  const rows = { cgsnapshot: cgsnapshotRow("c1", "deleting"), snapshots };
  return decideDeleteCgSnapshot(rows, returned(response), CTX);
}

const fromSource = CreateConsistencyGroupFromSourceResponse.fromPartial;
const deleteAnswer = DeleteConsistencyGroupResponse.fromPartial;
const updateAnswer = UpdateConsistencyGroupResponse.fromPartial;
const createSnapAnswer = CreateCgSnapshotResponse.fromPartial;
const deleteSnapAnswer = DeleteCgSnapshotResponse.fromPartial;

type Rows = ReadonlyArray<readonly [string, string]>;
const GROUP: Rows = [["group", "g1"]];
const GROUP_AND_VOLUMES: Rows = [["group", "g1"], ["volume", "v1"], ["volume", "v2"]];
const UPDATE_ROWS: Rows = [["group", "g1"], ["volume", "a1"], ["volume", "r1"]];
const CGSNAPSHOT_ROWS: Rows = [["cgsnapshot", "c1"], ["snapshot", "s1"], ["snapshot", "s2"]];

/**
 * The raised row applied for a malformed answer: the call fails with MALFORMED_RESPONSE whose
 * message starts with the section 7 id and names the offender; every target (in order) ends
 * error with that failure as its last error; nothing the answer said is written.
 */
function expectRefused(result: RuleResult, want: { raisedRow: string; malformed: string; names: string; rows: Rows }): void {
  expect(result.ruleId).toBe(want.raisedRow);
  expect(result.ok).toBe(false);
  expect(result.failure?.code).toBe("MALFORMED_RESPONSE");
  expect(result.failure?.message.startsWith(`${want.malformed}: `), result.failure?.message).toBe(true);
  expect(result.failure?.message).toContain(want.names);
  expect(result.warnings).toEqual([]);
  const lastError = { code: "MALFORMED_RESPONSE", message: result.failure!.message, at: CTX.now, operationId: CTX.operationId };
  const expected = want.rows.map(([kind, id]) => ({ kind, id, expect: [expect.any(String)], status: "error", lastError }));
  expect(result.writes).toStrictEqual(expected);
}

describe("R7.1 an entry naming an item that was not sent", () => {
  it("R7.1 delete group: a volume of another group is refused whole, the model_update's provider fields too", () => {
    const result = deleteGroup(
      deleteAnswer({
        modelUpdate: { providerLocation: "should-not-be-stored" },
        volumesModelUpdate: { updates: [{ id: "stranger", status: VolumeStatus.VOLUME_STATUS_DELETED }] },
      }),
    );
    expectRefused(result, {
      raisedRow: "R3.1",
      malformed: "R7.1",
      names: "volumes_model_update names volume stranger, which was not sent in this request",
      rows: GROUP_AND_VOLUMES,
    });
  });

  it("R7.1 create group from source: an entry naming a source item instead of a target", () => {
    const entry = { id: "source-volume", providerLocation: "x" };
    const result = createFromSource(fromSource({ volumesModelUpdate: { updates: [entry] } }));
    expectRefused(result, { raisedRow: "R2.1", malformed: "R7.1", names: "source-volume", rows: GROUP_AND_VOLUMES });
  });

  it("R7.1 update group: an id sent in neither list", () => {
    const result = updateGroup(updateAnswer({ removeVolumesUpdate: { updates: [{ id: "v9" }] } }));
    expectRefused(result, {
      raisedRow: "R4.1",
      malformed: "R7.1",
      names: "remove_volumes_update names volume v9, which was not sent",
      rows: UPDATE_ROWS,
    });
  });

  it("R7.1 create and delete cgsnapshot: a snapshot of another cgsnapshot, and an empty id", () => {
    const created = createCgSnapshot(createSnapAnswer({ snapshotsModelUpdate: { updates: [{ id: "s1" }, { id: "s9" }] } }));
    expectRefused(created, {
      raisedRow: "R5.1",
      malformed: "R7.1",
      names: "snapshots_model_update names snapshot s9",
      rows: CGSNAPSHOT_ROWS,
    });
    const deleted = deleteCgSnapshot(deleteSnapAnswer({ snapshotsModelUpdate: { updates: [{ id: "" }] } }));
    expectRefused(deleted, {
      raisedRow: "R6.1",
      malformed: "R7.1",
      names: 'names snapshot "", which was not sent',
      rows: CGSNAPSHOT_ROWS,
    });
  });
});

describe("R7.2 an id with more than one entry", () => {
  it("R7.2 create cgsnapshot: the same snapshot twice in the list", () => {
    const available = SnapshotStatus.SNAPSHOT_STATUS_AVAILABLE;
    const result = createCgSnapshot(
      createSnapAnswer({
        snapshotsModelUpdate: {
          updates: [
            { id: "s1", status: available, providerId: "a" },
            { id: "s1", status: available, providerId: "b" },
          ],
        },
      }),
    );
    expectRefused(result, {
      raisedRow: "R5.1",
      malformed: "R7.2",
      names: "snapshots_model_update names snapshot s1 more than once",
      rows: CGSNAPSHOT_ROWS,
    });
  });

  it("R7.2 delete group, create from source and delete cgsnapshot: a repeat in the one list", () => {
    const twice = { updates: [{ id: "v2" }, { id: "v2" }] };
    const deleted = deleteGroup(deleteAnswer({ volumesModelUpdate: twice }));
    expectRefused(deleted, { raisedRow: "R3.1", malformed: "R7.2", names: "v2", rows: GROUP_AND_VOLUMES });
    const created = createFromSource(fromSource({ volumesModelUpdate: twice }));
    expectRefused(created, { raisedRow: "R2.1", malformed: "R7.2", names: "v2", rows: GROUP_AND_VOLUMES });
    const snapshots = deleteCgSnapshot(deleteSnapAnswer({ snapshotsModelUpdate: { updates: [{ id: "s2" }, { id: "s2" }] } }));
    expectRefused(snapshots, { raisedRow: "R6.1", malformed: "R7.2", names: "s2", rows: CGSNAPSHOT_ROWS });
  });

  it("R7.2 update group: one volume named in both the add and the remove list", () => {
    const result = updateGroup(
      updateAnswer({
        modelUpdate: { providerId: "cg-1" },
        addVolumesUpdate: { updates: [{ id: "a1", providerLocation: "lun-1" }] },
        removeVolumesUpdate: { updates: [{ id: "a1" }] },
      }),
    );
    expectRefused(result, {
      raisedRow: "R4.1",
      malformed: "R7.2",
      names: "remove_volumes_update names volume a1, which add_volumes_update already names",
      rows: UPDATE_ROWS,
    });
  });
});

describe("R7.3 a status the entity cannot have in that operation", () => {
  it("R7.3 create group: a number outside the enum", () => {
    const result = createGroup({ modelUpdate: { status: 99 as GroupStatus, providerLocation: "x" } });
    expectRefused(result, {
      raisedRow: "R1.1",
      malformed: "R7.3",
      names: "model_update reports status 99, which is outside the contract's GroupStatus enum",
      rows: GROUP,
    });
  });

  it("R7.3 create group: a transitional status and DELETED are not answers to a create", () => {
    const { GROUP_STATUS_CREATING, GROUP_STATUS_DELETED } = GroupStatus;
    for (const status of [GROUP_STATUS_CREATING, GROUP_STATUS_DELETED]) {
      const result = createGroup({ modelUpdate: { status } });
      expectRefused(result, { raisedRow: "R1.1", malformed: "R7.3", names: `${GroupStatus[status]} (${status})`, rows: GROUP });
    }
    expect(createGroup({ modelUpdate: { status: GROUP_STATUS_CREATING } }).failure?.message).toContain("a transitional status");
    expect(createGroup({ modelUpdate: { status: GROUP_STATUS_DELETED } }).failure?.message).toContain(
      "which a group cannot have in an answer to CreateConsistencyGroup",
    );
  });

  it("R7.3 create group from source: IN_USE and DELETED are not valid for a target volume", () => {
    for (const status of [VolumeStatus.VOLUME_STATUS_IN_USE, VolumeStatus.VOLUME_STATUS_DELETED]) {
      const result = createFromSource(fromSource({ volumesModelUpdate: { updates: [{ id: "v1", status, providerId: "p" }] } }));
      expectRefused(result, {
        raisedRow: "R2.1",
        malformed: "R7.3",
        names: `volumes_model_update entry for volume v1 reports ${VolumeStatus[status]}`,
        rows: GROUP_AND_VOLUMES,
      });
    }
  });

  it("R7.3 delete group: IN_USE for a volume and UPDATING for the group", () => {
    const entry = { id: "v1", status: VolumeStatus.VOLUME_STATUS_IN_USE };
    const inUse = deleteGroup(deleteAnswer({ volumesModelUpdate: { updates: [entry] } }));
    expectRefused(inUse, { raisedRow: "R3.1", malformed: "R7.3", names: "VOLUME_STATUS_IN_USE (3)", rows: GROUP_AND_VOLUMES });
    const updating = deleteGroup(deleteAnswer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_UPDATING } }));
    expectRefused(updating, {
      raisedRow: "R3.1",
      malformed: "R7.3",
      names: "GROUP_STATUS_UPDATING (6), a transitional status",
      rows: GROUP_AND_VOLUMES,
    });
  });

  it("R7.3 update group: CREATING and DELETED entries are refused, and so is a group DELETED", () => {
    const { VOLUME_STATUS_CREATING, VOLUME_STATUS_DELETED } = VolumeStatus;
    for (const status of [VOLUME_STATUS_CREATING, VOLUME_STATUS_DELETED]) {
      const result = updateGroup(updateAnswer({ addVolumesUpdate: { updates: [{ id: "a1", status }] } }));
      expectRefused(result, { raisedRow: "R4.1", malformed: "R7.3", names: VolumeStatus[status], rows: UPDATE_ROWS });
    }
    const group = updateGroup(updateAnswer({ modelUpdate: { status: GroupStatus.GROUP_STATUS_DELETED } }));
    expectRefused(group, { raisedRow: "R4.1", malformed: "R7.3", names: "GROUP_STATUS_DELETED", rows: UPDATE_ROWS });
  });

  it("R7.3 a volume's ERROR_DELETING is a status it can have: applied in an update (R4.3) and a create-from-source (R2.2), with a warning", () => {
    const errorDeleting = VolumeStatus.VOLUME_STATUS_ERROR_DELETING;
    const update = updateGroup(
      updateAnswer({
        addVolumesUpdate: { updates: [{ id: "a1", status: errorDeleting }] },
        removeVolumesUpdate: { updates: [{ id: "r1", status: errorDeleting }] },
      }),
    );
    expect(update.ok).toBe(true);
    expect(update.ruleId).toBe("R4.3");
    expect(update.writes.filter((w) => w.kind === "volume").map((w) => [w.id, w.status, w.groupId])).toEqual([
      ["a1", "error_deleting", "g1"],
      ["r1", "error_deleting", null],
    ]);
    expect(update.warnings.join(" ")).toContain("error_deleting");
    const created = createFromSource(fromSource({ volumesModelUpdate: { updates: [{ id: "v1", status: errorDeleting }] } }));
    expect(created.ok).toBe(true);
    expect(created.ruleId).toBe("R2.2");
    expect(created.writes.map((w) => w.status)).toEqual(["available", "available", "available"]);
    expect(created.warnings.join(" ")).toContain("error_deleting");
  });

  it("R7.3 create cgsnapshot: DELETED is valid only in a delete, for the cgsnapshot and its snapshots", () => {
    const cgs = createCgSnapshot(createSnapAnswer({ modelUpdate: { status: CgSnapshotStatus.CG_SNAPSHOT_STATUS_DELETED } }));
    expectRefused(cgs, { raisedRow: "R5.1", malformed: "R7.3", names: "CG_SNAPSHOT_STATUS_DELETED", rows: CGSNAPSHOT_ROWS });
    const entry = { id: "s2", status: SnapshotStatus.SNAPSHOT_STATUS_DELETED };
    const snap = createCgSnapshot(createSnapAnswer({ snapshotsModelUpdate: { updates: [entry] } }));
    expectRefused(snap, {
      raisedRow: "R5.1",
      malformed: "R7.3",
      names: "which a snapshot cannot have in an answer to CreateCgSnapshot",
      rows: CGSNAPSHOT_ROWS,
    });
  });

  it("R7.3 delete cgsnapshot: a transitional entry and a negative number", () => {
    const entry = { id: "s1", status: SnapshotStatus.SNAPSHOT_STATUS_DELETING };
    const deleting = deleteCgSnapshot(deleteSnapAnswer({ snapshotsModelUpdate: { updates: [entry] } }));
    expectRefused(deleting, {
      raisedRow: "R6.1",
      malformed: "R7.3",
      names: "SNAPSHOT_STATUS_DELETING (4), a transitional status",
      rows: CGSNAPSHOT_ROWS,
    });
    const negative = deleteCgSnapshot(deleteSnapAnswer({ modelUpdate: { status: -1 as CgSnapshotStatus } }));
    expectRefused(negative, {
      raisedRow: "R6.1",
      malformed: "R7.3",
      names: "status -1, which is outside the contract's CgSnapshotStatus enum",
      rows: CGSNAPSHOT_ROWS,
    });
  });

  it("R7.3 UNSPECIFIED means no change and is valid in every answer", () => {
    expect(createGroup({ modelUpdate: { status: GroupStatus.GROUP_STATUS_UNSPECIFIED } }).ok).toBe(true);
    expect(createFromSource(fromSource({ volumesModelUpdate: { updates: [{ id: "v1", status: 0 }] } })).ok).toBe(true);
    expect(updateGroup(updateAnswer({ removeVolumesUpdate: { updates: [{ id: "r1", status: 0 }] } })).ok).toBe(true);
    // Not malformed, and not error-like either: a successful delete.
    const deleted = deleteCgSnapshot(deleteSnapAnswer({ snapshotsModelUpdate: { updates: [{ id: "s1", status: 0 }] } }));
    expect(deleted.ruleId).toBe("R6.3");
  });
});

describe("R7.4 a field the contract does not define", () => {
  it("R7.4 create group: an unknown field number on the response itself, decoded from the wire", () => {
    // Encode a valid answer, then append field 15 as a varint: what a newer or confused plugin sends.
    const modelUpdate = { status: GroupStatus.GROUP_STATUS_AVAILABLE, providerId: "p" };
    const writer = CreateConsistencyGroupResponse.encode(CreateConsistencyGroupResponse.fromPartial({ modelUpdate }));
    writer.uint32((15 << 3) | 0).int32(1);
    const decoded = CreateConsistencyGroupResponse.decode(writer.finish());
    expectRefused(createGroupDecoded(decoded), {
      raisedRow: "R1.1",
      malformed: "R7.4",
      names: "the response carries field number 15 (wire type 0)",
      rows: GROUP,
    });
  });

  it("R7.4 create group from source: an unknown field inside a list entry", () => {
    const response = fromSource({ volumesModelUpdate: { updates: [{ id: "v1" }, { id: "v2", providerLocation: "lun-2" }] } });
    response.volumesModelUpdate!.updates[1]!._unknownFields = { [(11 << 3) | 2]: [new Uint8Array([1, 120])] };
    expectRefused(createFromSource(response), {
      raisedRow: "R2.1",
      malformed: "R7.4",
      names: "volumes_model_update entry 1 (volume v2) carries field number 11 (wire type 2)",
      rows: GROUP_AND_VOLUMES,
    });
  });

  it("R7.4 delete group: an unknown field on the list wrapper", () => {
    const response = deleteAnswer({ volumesModelUpdate: { updates: [] } });
    response.volumesModelUpdate!._unknownFields = { [(2 << 3) | 0]: [new Uint8Array([1])] };
    expectRefused(deleteGroup(response), {
      raisedRow: "R3.1",
      malformed: "R7.4",
      names: "volumes_model_update carries field number 2",
      rows: GROUP_AND_VOLUMES,
    });
  });

  it("R7.4 update group: an unknown field on model_update", () => {
    const response = updateAnswer({ modelUpdate: { providerId: "cg-1" } });
    response.modelUpdate!._unknownFields = { [(5 << 3) | 0]: [new Uint8Array([7])] };
    expectRefused(updateGroup(response), {
      raisedRow: "R4.1",
      malformed: "R7.4",
      names: "model_update carries field number 5",
      rows: UPDATE_ROWS,
    });
  });

  it("R7.4 create and delete cgsnapshot: an unknown field on model_update or an entry", () => {
    const created = createSnapAnswer({ modelUpdate: { providerLocation: "x" } });
    created.modelUpdate!._unknownFields = { [(6 << 3) | 0]: [new Uint8Array([1])] };
    expectRefused(createCgSnapshot(created), {
      raisedRow: "R5.1",
      malformed: "R7.4",
      names: "model_update carries field number 6",
      rows: CGSNAPSHOT_ROWS,
    });
    const deleted = deleteSnapAnswer({ snapshotsModelUpdate: { updates: [{ id: "s1" }] } });
    deleted.snapshotsModelUpdate!.updates[0]!._unknownFields = { [(9 << 3) | 0]: [new Uint8Array([1])] };
    expectRefused(deleteCgSnapshot(deleted), {
      raisedRow: "R6.1",
      malformed: "R7.4",
      names: "snapshots_model_update entry 0 (snapshot s1) carries field number 9",
      rows: CGSNAPSHOT_ROWS,
    });
  });

  it("R7.4 is reported before an id or status problem in the same answer, so the reason is stable", () => {
    const response = deleteAnswer({
      modelUpdate: { status: GroupStatus.GROUP_STATUS_CREATING },
      volumesModelUpdate: { updates: [{ id: "stranger" }] },
    });
    response._unknownFields = { [(3 << 3) | 0]: [new Uint8Array([1])] };
    expect(deleteGroup(response).failure?.message.startsWith("R7.4: ")).toBe(true);
    response._unknownFields = {};
    expect(deleteGroup(response).failure?.message.startsWith("R7.1: ")).toBe(true);
  });
});

describe("R7.5 an entry in the other list's role", () => {
  it("R7.5 update group: a removed volume in add_volumes_update", () => {
    const entry = { id: "r1", status: VolumeStatus.VOLUME_STATUS_AVAILABLE };
    const result = updateGroup(updateAnswer({ addVolumesUpdate: { updates: [entry] } }));
    expectRefused(result, {
      raisedRow: "R4.1",
      malformed: "R7.5",
      names: "add_volumes_update names volume r1, which was sent in remove_volumes",
      rows: UPDATE_ROWS,
    });
  });

  it("R7.5 update group: an added volume in remove_volumes_update, membership untouched", () => {
    const entry = { id: "a1", providerLocation: "lun-1" };
    const result = updateGroup(updateAnswer({ addVolumesUpdate: { updates: [] }, removeVolumesUpdate: { updates: [entry] } }));
    expectRefused(result, {
      raisedRow: "R4.1",
      malformed: "R7.5",
      names: "remove_volumes_update names volume a1, which was sent in add_volumes",
      rows: UPDATE_ROWS,
    });
    expect(result.writes.some((w) => "groupId" in w)).toBe(false);
  });
});
