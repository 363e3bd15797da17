// What a driver author implements: identity, an optional readiness probe, and one optional method
// per RPC. The SDK derives the plugin's capabilities from which methods are defined, so declaring
// an operation and implementing it cannot drift apart.
import type { Logger } from "pino";
import type {
  CreateCgSnapshotRequest,
  CreateCgSnapshotResponse,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupFromSourceResponse,
  CreateConsistencyGroupRequest,
  CreateConsistencyGroupResponse,
  DeepPartial,
  DeleteCgSnapshotRequest,
  DeleteCgSnapshotResponse,
  DeleteConsistencyGroupRequest,
  DeleteConsistencyGroupResponse,
  UpdateConsistencyGroupRequest,
  UpdateConsistencyGroupResponse,
} from "./contract.js";

/**
 * What a driver method returns: a partial response, where an absent field is the interface's
 * None, or nothing at all, which is the empty response (every field None).
 */
export type DriverAnswer<Response> = Promise<DeepPartial<Response> | void> | DeepPartial<Response> | void;

/** The kinds of source CreateConsistencyGroupFromSource can accept. */
export type SourceKindName = "cgsnapshot" | "group";

/** What a readiness probe says; `message` tells the operator why the plugin is not ready. */
export interface ProbeResult {
  ready: boolean;
  message?: string;
}

/** Everything about one call that is not in the request. */
export interface DriverContext {
  /** The request's idempotency key: the same on every retry of this operation. */
  operationId: string;
  /** The caller's request id (the `x-request-id` metadata, else the request's context). */
  requestId: string;
  /** A logger whose every line carries the operation, the operation id and the request id. */
  log: Logger;
  /** Aborted when the host cancels the call or its deadline passes; pass it to your I/O. */
  signal: AbortSignal;
  /** When the host stops waiting for the answer; undefined when the call has no deadline. */
  deadline: Date | undefined;
}

/**
 * A consistency-group driver. Define only the operations the backend supports: each one left out
 * answers UNIMPLEMENTED and is missing from GetCapabilities, so the host refuses it before
 * writing any status. Throw a `DriverError` to fail a call with a chosen gRPC code; an error with
 * a numeric gRPC `code` of its own (a grpc-js ServiceError) keeps it; anything else thrown fails
 * it with INTERNAL.
 */
export interface Driver {
  /** The plugin's name, e.g. `file-driver`: lower case letters, digits and dashes. */
  name: string;
  /** The driver's own version, e.g. `1.4.2`. */
  vendorVersion: string;
  /** The contract versions the driver speaks; default `["v1"]`. */
  contractVersions?: string[];
  /**
   * The kinds of source createConsistencyGroupFromSource accepts; default both when that method is
   * defined. A call with another kind answers UNIMPLEMENTED without reaching the method.
   */
  createFromSourceKinds?: SourceKindName[];
  /** Whether the backend can serve calls now; default always ready. A throw means not ready. */
  probe?(): Promise<ProbeResult> | ProbeResult;

  /** Creates an empty group (create_consistencygroup). */
  createConsistencyGroup?(
    request: CreateConsistencyGroupRequest,
    ctx: DriverContext,
  ): DriverAnswer<CreateConsistencyGroupResponse>;
  /** Creates a group from a cgsnapshot or another group (create_consistencygroup_from_src). */
  createConsistencyGroupFromSource?(
    request: CreateConsistencyGroupFromSourceRequest,
    ctx: DriverContext,
  ): DriverAnswer<CreateConsistencyGroupFromSourceResponse>;
  /** Deletes a group and its volumes (delete_consistencygroup). */
  deleteConsistencyGroup?(
    request: DeleteConsistencyGroupRequest,
    ctx: DriverContext,
  ): DriverAnswer<DeleteConsistencyGroupResponse>;
  /** Adds volumes to and removes volumes from a group (update_consistencygroup). */
  updateConsistencyGroup?(
    request: UpdateConsistencyGroupRequest,
    ctx: DriverContext,
  ): DriverAnswer<UpdateConsistencyGroupResponse>;
  /** Snapshots every volume of a group at one point in time (create_cgsnapshot). */
  createCgSnapshot?(request: CreateCgSnapshotRequest, ctx: DriverContext): DriverAnswer<CreateCgSnapshotResponse>;
  /** Deletes a cgsnapshot and its snapshots (delete_cgsnapshot). */
  deleteCgSnapshot?(request: DeleteCgSnapshotRequest, ctx: DriverContext): DriverAnswer<DeleteCgSnapshotResponse>;
}
