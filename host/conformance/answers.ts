// Reading a plugin's answers the way the host does: the host's own section-7 checks
// (host/rules/malformed.ts) decide whether an answer is well formed, and the status rules decide
// whether a returned answer still fails the host call (an error status).
import { status as GrpcStatus } from "@grpc/grpc-js";
import type { RequestByKind, ResponseByKind } from "../contract.js";
import type { EntityKind, OperationKind } from "../model.js";
import {
  malformedCreateCgSnapshot,
  malformedCreateGroup,
  malformedCreateGroupFromSource,
  malformedDeleteCgSnapshot,
  malformedDeleteGroup,
  malformedUpdateGroup,
} from "../rules/malformed.js";
import type { DriverFailure, DriverOutcome } from "../rules/outcome.js";
import { statusName } from "../rules/status-names.js";

/** Any request and its response, for code that handles every operation alike. */
export type AnyOutcome = DriverOutcome<ResponseByKind[OperationKind]>;

/** RULES.md section 7 on an answer to `request`: undefined when the host would apply it, else why not. */
export function malformedAnswer<K extends OperationKind>(kind: K, request: RequestByKind[K], response: ResponseByKind[K]): DriverFailure | undefined {
  switch (kind) {
    case "create_group":
      return malformedCreateGroup(response as ResponseByKind["create_group"]);
    case "create_group_from_source": {
      const r = request as RequestByKind["create_group_from_source"];
      return malformedCreateGroupFromSource(response as ResponseByKind["create_group_from_source"], r.volumes.map((v) => v.id));
    }
    case "delete_group": {
      const r = request as RequestByKind["delete_group"];
      return malformedDeleteGroup(response as ResponseByKind["delete_group"], r.volumes.map((v) => v.id));
    }
    case "update_group": {
      const r = request as RequestByKind["update_group"];
      return malformedUpdateGroup(
        response as ResponseByKind["update_group"],
        r.addVolumes.map((v) => v.id),
        r.removeVolumes.map((v) => v.id),
      );
    }
    case "create_cgsnapshot": {
      const r = request as RequestByKind["create_cgsnapshot"];
      return malformedCreateCgSnapshot(response as ResponseByKind["create_cgsnapshot"], r.snapshots.map((s) => s.id));
    }
    case "delete_cgsnapshot": {
      const r = request as RequestByKind["delete_cgsnapshot"];
      return malformedDeleteCgSnapshot(response as ResponseByKind["delete_cgsnapshot"], r.snapshots.map((s) => s.id));
    }
    default:
      return undefined;
  }
}

/** Every id a request names, so the kit can prove it only ever sends ids it created. */
export function idsNamedBy(kind: OperationKind, request: RequestByKind[OperationKind]): string[] {
  const r = request as Partial<RequestByKind["create_group_from_source"] & RequestByKind["update_group"] & RequestByKind["create_cgsnapshot"]>;
  const ids: string[] = [];
  if (r.group) ids.push(r.group.id);
  if (r.cgsnapshot) ids.push(r.cgsnapshot.id);
  for (const v of [...(r.volumes ?? []), ...(r.addVolumes ?? []), ...(r.removeVolumes ?? [])]) ids.push(v.id);
  for (const s of r.snapshots ?? []) ids.push(s.id, s.volumeId);
  if (kind === "create_group_from_source" && r.source) {
    if (r.source.$case === "cgsnapshotSource") {
      ids.push(r.source.value.cgsnapshot?.id ?? "");
      for (const s of r.source.value.snapshots) ids.push(s.id, s.volumeId);
    } else {
      ids.push(r.source.value.group?.id ?? "");
      for (const v of r.source.value.volumes) ids.push(v.id);
    }
  }
  return ids;
}

interface StatusCarrier {
  id?: string;
  status: number;
}

/** The model_update kind and per-item lists of each operation's answer. */
function statusCarriers(kind: OperationKind, response: ResponseByKind[OperationKind]): Array<{ entity: EntityKind; where: string; item: StatusCarrier }> {
  const r = response as Partial<
    ResponseByKind["update_group"] & ResponseByKind["delete_group"] & ResponseByKind["create_cgsnapshot"]
  > & { modelUpdate?: StatusCarrier };
  const model: EntityKind = kind === "create_cgsnapshot" || kind === "delete_cgsnapshot" ? "cgsnapshot" : "group";
  const found: Array<{ entity: EntityKind; where: string; item: StatusCarrier }> = [];
  if (r.modelUpdate) found.push({ entity: model, where: "model_update", item: r.modelUpdate });
  const lists: Array<[string, EntityKind, { updates: StatusCarrier[] } | undefined]> = [
    ["volumes_model_update", "volume", r.volumesModelUpdate],
    ["add_volumes_update", "volume", r.addVolumesUpdate],
    ["remove_volumes_update", "volume", r.removeVolumesUpdate],
    ["snapshots_model_update", "snapshot", r.snapshotsModelUpdate],
  ];
  for (const [where, entity, list] of lists) {
    for (const item of list?.updates ?? []) found.push({ entity, where: `${where} entry for ${item.id ?? "?"}`, item });
  }
  return found;
}

/**
 * Why a well-formed, returned answer still does not "work": it reports `error` (any operation) or
 * `error_deleting` (a delete). The host fails such calls (or, for create-from-source, silently
 * ignores the error: a driver must fail the call instead). Undefined when it works.
 */
export function reportedError(kind: OperationKind, response: ResponseByKind[OperationKind]): string | undefined {
  const bad = kind === "delete_group" || kind === "delete_cgsnapshot" ? ["error", "error_deleting"] : ["error"];
  for (const { entity, where, item } of statusCarriers(kind, response)) {
    const name = statusName(entity, item.status);
    if (name !== undefined && bad.includes(name)) return `${where} reports ${name}`;
  }
  return undefined;
}

/** The gRPC code name of a raised outcome, e.g. `UNIMPLEMENTED`, or the host code when it had none. */
export function codeOf(failure: DriverFailure): string {
  return failure.grpcCode === undefined ? failure.code : (GrpcStatus[failure.grpcCode] ?? String(failure.grpcCode));
}

/** One line for a raised outcome: the gRPC code and the message. */
export function describeFailure(failure: DriverFailure): string {
  return `${codeOf(failure)}: ${failure.message}`;
}

/** Why a call did not work (raised, or returned an error status), or undefined when it worked. */
export function notWorking(kind: OperationKind, outcome: AnyOutcome): string | undefined {
  if (outcome.kind === "raised") return `it failed with ${describeFailure(outcome.failure)}`;
  const error = reportedError(kind, outcome.response);
  return error === undefined ? undefined : `it answered OK but ${error}`;
}

/** A canonical JSON form of an answer (sorted keys, bytes as hex), equal for equal answers. */
export function canonicalAnswer(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (Array.isArray(value)) return value.map(canonicalAnswer);
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonicalAnswer(v)]));
  }
  return value;
}

/** The paths at which two answers differ (at most `limit`), with both values, e.g. `modelUpdate.providerId: "a" then "b"`. */
export function answerDifferences(first: unknown, second: unknown, limit = 5): string[] {
  const found: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (found.length >= limit) return;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const bothObjects = typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b);
    if (!bothObjects) {
      found.push(`${path || "the answer"}: ${JSON.stringify(a) ?? "absent"} then ${JSON.stringify(b) ?? "absent"}`);
      return;
    }
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const key of [...keys].sort()) {
      walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path === "" ? key : `${path}.${key}`);
    }
  };
  walk(canonicalAnswer(first), canonicalAnswer(second), "");
  return found;
}
