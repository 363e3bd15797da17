// What the plugin says about itself (GetPluginInfo, GetCapabilities, the handshake line), derived
// from the Driver object once at start-up, with its mistakes reported before anything listens.
import { GetCapabilitiesResponse, GetPluginInfoResponse, Operation, SourceKind } from "./contract.js";
import type { Driver, SourceKindName } from "./driver.js";

/** The driver methods, each with the Operation it declares. */
export const DRIVER_METHODS = [
  ["createConsistencyGroup", Operation.OPERATION_CREATE_CONSISTENCY_GROUP],
  ["createConsistencyGroupFromSource", Operation.OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE],
  ["deleteConsistencyGroup", Operation.OPERATION_DELETE_CONSISTENCY_GROUP],
  ["updateConsistencyGroup", Operation.OPERATION_UPDATE_CONSISTENCY_GROUP],
  ["createCgSnapshot", Operation.OPERATION_CREATE_CG_SNAPSHOT],
  ["deleteCgSnapshot", Operation.OPERATION_DELETE_CG_SNAPSHOT],
] as const;

const SOURCE_KINDS: Record<SourceKindName, SourceKind> = {
  cgsnapshot: SourceKind.SOURCE_KIND_CG_SNAPSHOT,
  group: SourceKind.SOURCE_KIND_GROUP,
};

/** A driver's identity and capabilities, as the plugin reports them. */
export interface DriverDescription {
  info: GetPluginInfoResponse;
  capabilities: GetCapabilitiesResponse;
  /** The source kinds createConsistencyGroupFromSource accepts; empty when it is not defined. */
  sourceKinds: ReadonlySet<SourceKindName>;
}

/** Thrown by serve() when the Driver object itself is wrong. */
export class DriverDefinitionError extends Error {
  override readonly name = "DriverDefinitionError";
}

/** Checks `driver` and describes it; throws DriverDefinitionError naming what to fix. */
export function describeDriver(driver: Driver): DriverDescription {
  if (typeof driver.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(driver.name)) {
    throw new DriverDefinitionError(`driver.name ${JSON.stringify(driver.name)} is not a plugin name: use lower case letters, digits and dashes, e.g. "file-driver"`);
  }
  if (typeof driver.vendorVersion !== "string" || driver.vendorVersion === "") {
    throw new DriverDefinitionError(`driver.vendorVersion ${JSON.stringify(driver.vendorVersion)} must be a non-empty version string, e.g. "1.4.2"`);
  }
  const contractVersions = driver.contractVersions ?? ["v1"];
  if (contractVersions.length === 0 || contractVersions.some((v) => !/^v[0-9]+$/.test(v))) {
    throw new DriverDefinitionError(`driver.contractVersions ${JSON.stringify(contractVersions)} must list versions like "v1"; leave it out for ["v1"]`);
  }
  const operations = DRIVER_METHODS.filter(([method]) => typeof driver[method] === "function").map(([, operation]) => operation);
  const fromSource = typeof driver.createConsistencyGroupFromSource === "function";
  const kinds = driver.createFromSourceKinds ?? (fromSource ? (["cgsnapshot", "group"] as const) : []);
  for (const kind of kinds) {
    if (!(kind in SOURCE_KINDS)) {
      throw new DriverDefinitionError(`driver.createFromSourceKinds holds ${JSON.stringify(kind)}; the kinds are "cgsnapshot" and "group"`);
    }
  }
  if (!fromSource && kinds.length > 0) {
    throw new DriverDefinitionError("driver.createFromSourceKinds is set but createConsistencyGroupFromSource is not defined: define the method or drop the kinds");
  }
  if (fromSource && kinds.length === 0) {
    throw new DriverDefinitionError("driver.createFromSourceKinds is empty, so createConsistencyGroupFromSource could never be called: list a kind or leave the option out");
  }
  const sourceKinds = new Set<SourceKindName>(kinds);
  return {
    info: GetPluginInfoResponse.fromPartial({ name: driver.name, vendorVersion: driver.vendorVersion, contractVersions }),
    capabilities: GetCapabilitiesResponse.fromPartial({
      operations,
      createFromSourceKinds: [...sourceKinds].map((kind) => SOURCE_KINDS[kind]),
    }),
    sourceKinds,
  };
}
