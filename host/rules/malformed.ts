// RULES.md section 7: what a returned answer may touch. An answer that names a row it was not
// sent (R7.1), names a row twice (R7.2), reports a status the entity cannot have in that
// operation (R7.3), carries a field the contract does not define (R7.4), or puts an item in the
// other list's role (R7.5) is refused whole, so a confused plugin can never write half an answer
// or touch a row it was not given. The checks run in that order of kinds (fields, then ids, then
// statuses) so the same answer always yields the same reason.
import {
  RPC_BY_KIND,
  type CreateCgSnapshotResponse,
  type CreateConsistencyGroupFromSourceResponse,
  type CreateConsistencyGroupResponse,
  type DeleteCgSnapshotResponse,
  type DeleteConsistencyGroupResponse,
  type UpdateConsistencyGroupResponse,
} from "../contract.js";
import { TRANSITIONAL_STATUSES, type EntityKind, type OperationKind } from "../model.js";
import type { MalformedRuleId } from "./catalog.js";
import type { DriverFailure } from "./outcome.js";
import { statusLabel, statusName } from "./status-names.js";

/** The failure code of an answer refused by section 7. */
export const MALFORMED_RESPONSE = "MALFORMED_RESPONSE";

/**
 * Any decoded message. ts-proto keeps what it could not match to a field of the contract under
 * `_unknownFields`, keyed by the wire tag (field number << 3 | wire type), not the bare number.
 */
interface Decoded {
  _unknownFields?: { [tag: number]: Uint8Array[] } | undefined;
}

/** A model_update or a per-item entry, as far as the checks look at it. */
interface DecodedFields extends Decoded {
  status: number;
}

interface DecodedEntry extends DecodedFields {
  id: string;
}

interface DecodedList extends Decoded {
  updates: DecodedEntry[];
}

/** One per-item list of an answer and the request items it may name. */
interface ListShape {
  /** The field's name in the contract, for messages, e.g. `volumes_model_update`. */
  field: string;
  kind: EntityKind;
  list: DecodedList | undefined;
  /** The ids sent in this list's role. */
  sent: readonly string[];
  /** update_group: the ids sent in the other list's role, and that request field's name. */
  otherRole?: { field: string; sent: readonly string[] };
}

/** An answer laid out for the checks. */
interface AnswerShape {
  operation: OperationKind;
  response: Decoded;
  modelUpdate: { kind: EntityKind; fields: DecodedFields | undefined };
  lists: readonly ListShape[];
}

/**
 * The statuses an answer may report, per operation and entity, from the enum comments of
 * types.proto: transitional statuses never; DELETED for every entity only in its delete; a
 * volume's IN_USE only in update_group (a volume being created cannot be attached). Every
 * error-like status (ERROR, ERROR_DELETING) is a status the entity can have (RULES.md section 7),
 * so it is allowed wherever the entity appears and fails only a delete: in a create or an update
 * it is applied like any status there (R1.3, R2.2, R4.3, R5.3; in a create the row then ends
 * available, with a warning). A volume already in error_deleting may be removed from a group
 * (RULES.md section 4), and its driver may say so.
 * UNSPECIFIED ("no change") is always allowed and is not listed.
 */
const ALLOWED: Readonly<Record<OperationKind, Partial<Record<EntityKind, readonly string[]>>>> = {
  create_group: { group: ["available", "error", "error_deleting"] },
  create_group_from_source: { group: ["available", "error", "error_deleting"], volume: ["available", "error", "error_deleting"] },
  delete_group: {
    group: ["available", "error", "error_deleting", "deleted"],
    volume: ["available", "error", "error_deleting", "deleted"],
  },
  update_group: { group: ["available", "error", "error_deleting"], volume: ["available", "in-use", "error", "error_deleting"] },
  create_cgsnapshot: {
    cgsnapshot: ["available", "error", "error_deleting"],
    snapshot: ["available", "error", "error_deleting"],
  },
  delete_cgsnapshot: {
    cgsnapshot: ["available", "error", "error_deleting", "deleted"],
    snapshot: ["available", "error", "error_deleting", "deleted"],
  },
};

const ENUM_NAMES: Readonly<Record<EntityKind, string>> = {
  group: "GroupStatus",
  volume: "VolumeStatus",
  cgsnapshot: "CgSnapshotStatus",
  snapshot: "SnapshotStatus",
};

/** Section 7 on a CreateConsistencyGroup answer: undefined when it may be applied, else why not. */
export function malformedCreateGroup(response: CreateConsistencyGroupResponse): DriverFailure | undefined {
  return checkAnswer({
    operation: "create_group",
    response,
    modelUpdate: { kind: "group", fields: response.modelUpdate },
    lists: [],
  });
}

/** Section 7 on a CreateConsistencyGroupFromSource answer; entries may name the target volumes only. */
export function malformedCreateGroupFromSource(
  response: CreateConsistencyGroupFromSourceResponse,
  volumeIds: readonly string[],
): DriverFailure | undefined {
  return checkAnswer({
    operation: "create_group_from_source",
    response,
    modelUpdate: { kind: "group", fields: response.modelUpdate },
    lists: [{ field: "volumes_model_update", kind: "volume", list: response.volumesModelUpdate, sent: volumeIds }],
  });
}

/** Section 7 on a DeleteConsistencyGroup answer; entries may name the group's volumes only. */
export function malformedDeleteGroup(
  response: DeleteConsistencyGroupResponse,
  volumeIds: readonly string[],
): DriverFailure | undefined {
  return checkAnswer({
    operation: "delete_group",
    response,
    modelUpdate: { kind: "group", fields: response.modelUpdate },
    lists: [{ field: "volumes_model_update", kind: "volume", list: response.volumesModelUpdate, sent: volumeIds }],
  });
}

/** Section 7 on an UpdateConsistencyGroup answer; each list may name only the volumes sent in its own role. */
export function malformedUpdateGroup(
  response: UpdateConsistencyGroupResponse,
  addIds: readonly string[],
  removeIds: readonly string[],
): DriverFailure | undefined {
  return checkAnswer({
    operation: "update_group",
    response,
    modelUpdate: { kind: "group", fields: response.modelUpdate },
    lists: [
      {
        field: "add_volumes_update",
        kind: "volume",
        list: response.addVolumesUpdate,
        sent: addIds,
        otherRole: { field: "remove_volumes", sent: removeIds },
      },
      {
        field: "remove_volumes_update",
        kind: "volume",
        list: response.removeVolumesUpdate,
        sent: removeIds,
        otherRole: { field: "add_volumes", sent: addIds },
      },
    ],
  });
}

/** Section 7 on a CreateCgSnapshot answer; entries may name the cgsnapshot's snapshots only. */
export function malformedCreateCgSnapshot(
  response: CreateCgSnapshotResponse,
  snapshotIds: readonly string[],
): DriverFailure | undefined {
  return checkAnswer({
    operation: "create_cgsnapshot",
    response,
    modelUpdate: { kind: "cgsnapshot", fields: response.modelUpdate },
    lists: [{ field: "snapshots_model_update", kind: "snapshot", list: response.snapshotsModelUpdate, sent: snapshotIds }],
  });
}

/** Section 7 on a DeleteCgSnapshot answer; entries may name the cgsnapshot's snapshots only. */
export function malformedDeleteCgSnapshot(
  response: DeleteCgSnapshotResponse,
  snapshotIds: readonly string[],
): DriverFailure | undefined {
  return checkAnswer({
    operation: "delete_cgsnapshot",
    response,
    modelUpdate: { kind: "cgsnapshot", fields: response.modelUpdate },
    lists: [{ field: "snapshots_model_update", kind: "snapshot", list: response.snapshotsModelUpdate, sent: snapshotIds }],
  });
}

function checkAnswer(shape: AnswerShape): DriverFailure | undefined {
  return unknownFieldFailure(shape) ?? idFailure(shape) ?? statusFailure(shape);
}

function malformed(ruleId: MalformedRuleId, detail: string): DriverFailure {
  return { code: MALFORMED_RESPONSE, message: `${ruleId}: ${detail}` };
}

/** R7.4 over the whole tree: the response, model_update, each list wrapper and each entry. */
function unknownFieldFailure(shape: AnswerShape): DriverFailure | undefined {
  const nodes: Array<{ where: string; message: Decoded | undefined }> = [
    { where: "the response", message: shape.response },
    { where: "model_update", message: shape.modelUpdate.fields },
  ];
  for (const { field, kind, list } of shape.lists) {
    nodes.push({ where: field, message: list });
    (list?.updates ?? []).forEach((entry, index) => {
      nodes.push({ where: `${field} entry ${index} (${kind} ${entry.id})`, message: entry });
    });
  }
  for (const { where, message } of nodes) {
    const tag = unknownTag(message);
    if (tag !== undefined) {
      return malformed(
        "R7.4",
        `${where} carries field number ${tag >>> 3} (wire type ${tag & 7}), a field the contract does not define there`,
      );
    }
  }
  return undefined;
}

function unknownTag(message: Decoded | undefined): number | undefined {
  const unknown = message?._unknownFields;
  if (unknown === undefined) return undefined;
  const tag = Object.keys(unknown).find((key) => (unknown[Number(key)]?.length ?? 0) > 0);
  return tag === undefined ? undefined : Number(tag);
}

/** R7.1, R7.2 and R7.5, entry by entry in answer order; repeats count across every list of the answer. */
/** An id as messages show it: quoted when it is empty or holds anything but plain id characters. */
function shownId(id: string): string {
  return /^[\w.:@/-]+$/.test(id) ? id : JSON.stringify(id);
}

function idFailure(shape: AnswerShape): DriverFailure | undefined {
  const seenIn = new Map<string, string>();
  for (const { field, kind, list, sent, otherRole } of shape.lists) {
    const updates = list?.updates ?? [];
    if (updates.length === 0) continue;
    // Sets, not Array.includes: a 100,000-entry answer would otherwise cost 10^10 comparisons.
    const sentIds = new Set(sent);
    const otherIds = otherRole === undefined ? undefined : new Set(otherRole.sent);
    for (const { id } of updates) {
      const inOtherRole = otherIds?.has(id) === true;
      if (!sentIds.has(id) && !inOtherRole) {
        return malformed("R7.1", `${field} names ${kind} ${shownId(id)}, which was not sent in this request`);
      }
      // A repeat is checked before the role so that an id named in both lists reads as R7.2.
      const firstList = seenIn.get(id);
      if (firstList !== undefined) {
        return malformed(
          "R7.2",
          firstList === field
            ? `${field} names ${kind} ${shownId(id)} more than once`
            : `${field} names ${kind} ${shownId(id)}, which ${firstList} already names`,
        );
      }
      seenIn.set(id, field);
      if (otherRole !== undefined && inOtherRole) {
        return malformed("R7.5", `${field} names ${kind} ${shownId(id)}, which was sent in ${otherRole.field}, not in this list's role`);
      }
    }
  }
  return undefined;
}

/** R7.3: model_update first, then the entries in answer order. */
function statusFailure(shape: AnswerShape): DriverFailure | undefined {
  const { kind, fields } = shape.modelUpdate;
  const modelFailure = fields === undefined ? undefined : badStatus(shape.operation, kind, fields.status, "model_update");
  if (modelFailure !== undefined) return modelFailure;
  for (const { field, kind: itemKind, list } of shape.lists) {
    for (const entry of list?.updates ?? []) {
      const failure = badStatus(shape.operation, itemKind, entry.status, `${field} entry for ${itemKind} ${entry.id}`);
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}

function badStatus(operation: OperationKind, kind: EntityKind, value: number, where: string): DriverFailure | undefined {
  if (value === 0) return undefined; // UNSPECIFIED: "no change", valid everywhere.
  const name = statusName(kind, value);
  if (name === undefined) {
    return malformed("R7.3", `${where} reports status ${value}, which is outside the contract's ${ENUM_NAMES[kind]} enum`);
  }
  if (TRANSITIONAL_STATUSES.includes(name)) {
    return malformed("R7.3", `${where} reports ${statusLabel(kind, value)}, a transitional status no answer may carry`);
  }
  if (!(ALLOWED[operation][kind] ?? []).includes(name)) {
    return malformed(
      "R7.3",
      `${where} reports ${statusLabel(kind, value)}, which a ${kind} cannot have in an answer to ${RPC_BY_KIND[operation].method}`,
    );
  }
  return undefined;
}
