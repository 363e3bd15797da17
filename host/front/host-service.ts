// The front API's HostService: each RPC validates nothing itself and calls the Host, whose checks
// name the bad value; what the Host throws is mapped to a gRPC status in one place (error-status).
import { randomUUID } from "node:crypto";
import type { Metadata, sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type { Logger } from "pino";
import { HostError } from "../manager/errors.js";
import type { Caller, GroupSourceInput, Host } from "../manager/host.js";
import type { OperationKind } from "../model.js";
import { toServiceStatus } from "./error-status.js";
import { CgSnapshot, ConsistencyGroup, Operation, Volume, type CallerContext, type HostServiceServer } from "./front-contract.js";
import type { FrontMetrics } from "./front-metrics.js";
import type { OperationFeed } from "./operation-feed.js";
import { pageByKey, pageOf } from "./page.js";
import type { PluginMonitor } from "./plugin-status.js";
import {
  cgsnapshotToMessage,
  groupToMessage,
  operationToMessage,
  pluginToMessage,
  snapshotToMessage,
  volumeToMessage,
} from "./to-message.js";

/** What the service calls. */
export interface HostServiceDeps {
  host: Host;
  /** The hosted plugins, in configuration order (one today). */
  plugins: readonly PluginMonitor[];
  metrics: FrontMetrics;
  feed: OperationFeed;
  logger: Logger;
}

/** The metadata key a client may send its request id in. */
export const REQUEST_ID_KEY = "x-request-id";

/** Builds the HostService implementation over a host. */
export function createHostService(deps: HostServiceDeps): HostServiceServer {
  const { host } = deps;
  const unary = unaryWith(deps);
  return {
    registerVolume: unary("RegisterVolume", undefined, (req, requestId) => {
      const caller = callerOf(req.caller, requestId);
      const volume = host.registerVolume({
        sizeGb: req.sizeGb,
        volumeType: req.volumeType,
        name: req.name,
        ...(caller.projectId === undefined ? {} : { projectId: caller.projectId }),
        status: req.attached ? "in-use" : "available",
      });
      return { volume: volumeToMessage(volume) };
    }),
    setVolumeAttached: unary("SetVolumeAttached", undefined, (req) => ({
      volume: volumeToMessage(host.setVolumeAttached(req.volumeId, req.attached)),
    })),
    unregisterVolume: unary("UnregisterVolume", undefined, (req) => ({ volume: volumeToMessage(host.unregisterVolume(req.volumeId)) })),
    getVolume: unary("GetVolume", undefined, (req) => ({ volume: volumeToMessage(host.showVolume(req.volumeId)) })),
    listVolumes: unary("ListVolumes", undefined, (req) => {
      // Deleted rows included, so page tokens keep their place (page.ts); wanted() filters them.
      const rows = host.listVolumes({ includeDeleted: true, ...(req.groupId === "" ? {} : { groupId: req.groupId }) });
      const page = pageOf(rows, req, { wanted: wantedBy(req), toMessage: volumeToMessage, encodedSize: (m) => Volume.encode(m).finish().length });
      return { volumes: page.items, nextPageToken: page.nextPageToken };
    }),

    createConsistencyGroup: unary("CreateConsistencyGroup", "create_group", async (req, requestId) => {
      const group = await host.createGroup(
        { name: req.name, description: req.description, volumeTypes: req.volumeTypes },
        callerOf(req.caller, requestId),
      );
      return { group: groupToMessage(group) };
    }),
    createConsistencyGroupFromSource: unary("CreateConsistencyGroupFromSource", "create_group_from_source", async (req, requestId) => {
      const view = await host.createGroupFromSource(
        {
          name: req.name,
          description: req.description,
          ...(req.volumeTypes.length === 0 ? {} : { volumeTypes: req.volumeTypes }),
          source: sourceOf(req.source),
        },
        callerOf(req.caller, requestId),
      );
      return { group: groupToMessage(view.group), volumes: view.volumes.map(volumeToMessage) };
    }),
    updateConsistencyGroup: unary("UpdateConsistencyGroup", "update_group", async (req, requestId) => {
      const view = await host.updateGroup(
        req.groupId,
        { addVolumeIds: req.addVolumeIds, removeVolumeIds: req.removeVolumeIds },
        callerOf(req.caller, requestId),
      );
      return { group: groupToMessage(view.group), volumes: view.volumes.map(volumeToMessage) };
    }),
    deleteConsistencyGroup: unary("DeleteConsistencyGroup", "delete_group", async (req, requestId) => {
      const view = await host.deleteGroup(req.groupId, { deleteVolumes: req.deleteVolumes }, callerOf(req.caller, requestId));
      return { group: groupToMessage(view.group), volumes: view.volumes.map(volumeToMessage) };
    }),
    getConsistencyGroup: unary("GetConsistencyGroup", undefined, (req) => {
      const view = host.showGroup(req.groupId);
      return { group: groupToMessage(view.group), volumes: view.volumes.map(volumeToMessage) };
    }),
    listConsistencyGroups: unary("ListConsistencyGroups", undefined, (req) => {
      const page = pageOf(host.listGroups({ includeDeleted: true }), req, {
        wanted: wantedBy(req),
        toMessage: groupToMessage,
        encodedSize: (m) => ConsistencyGroup.encode(m).finish().length,
      });
      return { groups: page.items, nextPageToken: page.nextPageToken };
    }),

    createCgSnapshot: unary("CreateCgSnapshot", "create_cgsnapshot", async (req, requestId) => {
      const view = await host.createCgSnapshot(
        req.groupId,
        { name: req.name, description: req.description },
        callerOf(req.caller, requestId),
      );
      return { cgsnapshot: cgsnapshotToMessage(view.cgsnapshot), snapshots: view.snapshots.map(snapshotToMessage) };
    }),
    deleteCgSnapshot: unary("DeleteCgSnapshot", "delete_cgsnapshot", async (req, requestId) => {
      const view = await host.deleteCgSnapshot(req.cgsnapshotId, callerOf(req.caller, requestId));
      return { cgsnapshot: cgsnapshotToMessage(view.cgsnapshot), snapshots: view.snapshots.map(snapshotToMessage) };
    }),
    getCgSnapshot: unary("GetCgSnapshot", undefined, (req) => {
      const view = host.showCgSnapshot(req.cgsnapshotId);
      return { cgsnapshot: cgsnapshotToMessage(view.cgsnapshot), snapshots: view.snapshots.map(snapshotToMessage) };
    }),
    listCgSnapshots: unary("ListCgSnapshots", undefined, (req) => {
      const rows = host.listCgSnapshots({ includeDeleted: true, ...(req.groupId === "" ? {} : { groupId: req.groupId }) });
      const page = pageOf(rows, req, { wanted: wantedBy(req), toMessage: cgsnapshotToMessage, encodedSize: (m) => CgSnapshot.encode(m).finish().length });
      return { cgsnapshots: page.items, nextPageToken: page.nextPageToken };
    }),

    listPlugins: unary("ListPlugins", undefined, async () => {
      const statuses = await Promise.all(deps.plugins.map((p) => p.refresh()));
      return { plugins: statuses.map(pluginToMessage) };
    }),
    getPlugin: unary("GetPlugin", undefined, async (req) => ({ plugin: pluginToMessage(await pluginNamed(deps, req.name).refresh()) })),
    resetPlugin: unary("ResetPlugin", undefined, (req) => ({ plugin: pluginToMessage(pluginNamed(deps, req.name).reset()) })),

    watchOperations: (stream) => deps.feed.watch(stream),
    listOperations: unary("ListOperations", undefined, (req) => {
      const page = pageByKey(
        req,
        (before, limit) => host.listOperations({ limit, ...(before === undefined ? {} : { before }), ...(req.groupId === "" ? {} : { groupId: req.groupId }), openOnly: req.openOnly }),
        { idOf: (op) => op.operationId, toMessage: operationToMessage, encodedSize: (m) => Operation.encode(m).finish().length },
      );
      return { operations: page.items, nextPageToken: page.nextPageToken };
    }),
    getOperation: unary("GetOperation", undefined, (req) => {
      const { operation, rows } = host.showOperation(req.operationId);
      return {
        operation: operationToMessage(operation),
        rows: { groupIds: rows.groups, volumeIds: rows.volumes, cgsnapshotIds: rows.cgsnapshots, snapshotIds: rows.snapshots },
      };
    }),
  };
}

function pluginNamed(deps: HostServiceDeps, name: string): PluginMonitor {
  const plugin = deps.plugins.find((p) => p.name === name);
  if (plugin) return plugin;
  const names = deps.plugins.map((p) => `'${p.name}'`).join(", ");
  throw new HostError("NOT_FOUND", `no plugin is named ${JSON.stringify(name)}; this server hosts ${names}`);
}

type UnaryBody<Req, Res> = (request: Req, requestId: string) => Res | Promise<Res>;

/** Wraps a handler: request id, a log line per call, the error mapping, and refusal counts. */
function unaryWith(deps: HostServiceDeps) {
  return <Req, Res>(method: string, operation: OperationKind | undefined, body: UnaryBody<Req, Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const requestId = requestIdOf(call.request, call.metadata);
      const started = performance.now();
      const log = deps.logger.child({ method, requestId });
      Promise.resolve()
        .then(() => body(call.request, requestId))
        .then(
          (response) => {
            log.debug({ ms: Math.round(performance.now() - started) }, "front call succeeded");
            callback(null, response);
          },
          (error: unknown) => {
            const hostError = HostError.from(error);
            const ms = Math.round(performance.now() - started);
            // A failed operation, or one whose outcome waits for the database, reached the driver:
            // the host's operation event counts it, once its outcome is committed.
            const reachedDriver = hostError.code === "OPERATION_FAILED" || hostError.code === "OUTCOME_PENDING";
            if (operation !== undefined && !reachedDriver) deps.metrics.recordRefusal(operation, hostError.code);
            if (hostError.code === "INTERNAL") log.error({ err: error, ms }, "front call failed inside the host");
            else if (hostError.code === "OUTCOME_PENDING" || hostError.code === "STORE_UNAVAILABLE") log.warn({ err: error, ms }, "the host's database refused the call");
            else log.info({ code: hostError.code, ms }, "front call refused or failed");
            callback(toServiceStatus(hostError));
          },
        );
    };
}

/** The request id: the request's caller context, else the `x-request-id` metadata, else a new one. */
function requestIdOf(request: unknown, metadata: Metadata): string {
  const fromBody = (request as { caller?: CallerContext | undefined }).caller?.requestId;
  if (fromBody) return fromBody;
  const fromMetadata = metadata.get(REQUEST_ID_KEY)[0];
  return typeof fromMetadata === "string" && fromMetadata !== "" ? fromMetadata : randomUUID();
}

function callerOf(context: CallerContext | undefined, requestId: string): Caller {
  return {
    requestId,
    ...(context?.projectId ? { projectId: context.projectId } : {}),
    ...(context?.userId ? { userId: context.userId } : {}),
  };
}

function sourceOf(
  source: { $case: "sourceCgsnapshotId"; value: string } | { $case: "sourceGroupId"; value: string } | undefined,
): GroupSourceInput {
  if (source === undefined) {
    throw new HostError("INVALID_ARGUMENT", "create-from-source needs exactly one source: set source_cgsnapshot_id or source_group_id");
  }
  return source.$case === "sourceCgsnapshotId" ? { cgsnapshotId: source.value } : { groupId: source.value };
}

/** Which rows of a listing (deleted ones included) a list request wants. */
function wantedBy(request: { includeDeleted: boolean }): (row: { deletedAt: string | null }) => boolean {
  return request.includeDeleted ? () => true : (row) => row.deletedAt === null;
}
