// GetCapabilities in the host's names: Operation values become OperationKinds (via RPC_BY_KIND),
// SourceKind values become "cgsnapshot" | "group". Anything the host cannot name is refused at
// start-up rather than discovered on a call.
import { Operation, RPC_BY_KIND, SourceKind, type GetCapabilitiesResponse } from "../contract.js";
import { OPERATION_KINDS, type OperationKind } from "../model.js";
import { PluginLaunchError } from "./errors.js";
import type { PluginCapabilities } from "./plugin-client.js";

const SOURCE_KIND_NAMES: ReadonlyMap<number, "cgsnapshot" | "group"> = new Map([
  [SourceKind.SOURCE_KIND_CG_SNAPSHOT, "cgsnapshot"],
  [SourceKind.SOURCE_KIND_GROUP, "group"],
]);

/** Converts a GetCapabilities answer; throws PLUGIN_CAPABILITIES_INVALID naming the bad value. */
export function toPluginCapabilities(response: GetCapabilitiesResponse): PluginCapabilities {
  const operations = new Set<OperationKind>();
  for (const value of response.operations) {
    const kind = OPERATION_KINDS.find((k) => RPC_BY_KIND[k].operation === value);
    if (kind === undefined) {
      throw invalid(`operations holds ${enumName(Operation, value)}, which names no operation (expected one of ${knownOperations()})`);
    }
    operations.add(kind);
  }
  const kinds = new Set<"cgsnapshot" | "group">();
  for (const value of response.createFromSourceKinds) {
    const name = SOURCE_KIND_NAMES.get(value);
    if (name === undefined) {
      throw invalid(`create_from_source_kinds holds ${enumName(SourceKind, value)}, which names no source kind (expected SOURCE_KIND_CG_SNAPSHOT or SOURCE_KIND_GROUP)`);
    }
    kinds.add(name);
  }
  // plugin.proto: the kinds are listed exactly when CreateConsistencyGroupFromSource is declared.
  const fromSource = operations.has("create_group_from_source");
  if (fromSource && kinds.size === 0) {
    throw invalid("it declares OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE but no create_from_source_kinds; list the kinds of source it accepts");
  }
  if (!fromSource && kinds.size > 0) {
    throw invalid("it lists create_from_source_kinds without declaring OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE; declare the operation or list no kinds");
  }
  return {
    operations: OPERATION_KINDS.filter((k) => operations.has(k)),
    createFromSourceKinds: [...kinds],
  };
}

function invalid(why: string): PluginLaunchError {
  return new PluginLaunchError("PLUGIN_CAPABILITIES_INVALID", `the plugin's GetCapabilities answer is invalid: ${why}`);
}

/** The enum's name for a value (OPERATION_UNSPECIFIED), or the bare number for one it lacks. */
function enumName(enumeration: Record<number, string>, value: number): string {
  return enumeration[value] ?? `the unknown value ${value}`;
}

function knownOperations(): string {
  return OPERATION_KINDS.map((k) => Operation[RPC_BY_KIND[k].operation]).join(", ");
}
