// ConsistencyGroupDriverService served from a Driver: each RPC calls the driver's method, and an
// RPC whose method is not defined answers UNIMPLEMENTED, matching GetCapabilities.
import { status, type handleUnaryCall } from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  CreateCgSnapshotResponse,
  CreateConsistencyGroupFromSourceResponse,
  CreateConsistencyGroupResponse,
  DeleteCgSnapshotResponse,
  DeleteConsistencyGroupResponse,
  UpdateConsistencyGroupResponse,
  type CallerContext,
  type ConsistencyGroupDriverServiceServer,
  type CreateConsistencyGroupFromSourceRequest,
  type DeepPartial,
} from "./contract.js";
import type { DriverDescription } from "./driver-description.js";
import type { Driver, DriverAnswer, DriverContext, SourceKindName } from "./driver.js";
import { DriverError } from "./errors.js";
import { unaryHandler } from "./unary-handler.js";

type UnknownFields = { [key: number]: Uint8Array[] };

interface DriverRequest {
  operationId: string;
  context: CallerContext | undefined;
}

interface ResponseFns<Response> {
  fromPartial(object: DeepPartial<Response>): Response;
}

// ts-proto's fromPartial drops `_unknownFields`, ts-proto's documented way to carry fields this
// contract version does not define; a driver that sets it means to send them, so keep them.
function unknownFieldsOf(answer: object): UnknownFields | undefined {
  if (!("_unknownFields" in answer)) return undefined;
  const fields = answer._unknownFields;
  if (typeof fields !== "object" || fields === null) return undefined;
  const entries = Object.entries(fields);
  const valid = entries.every(([tag, values]) => /^[0-9]+$/.test(tag) && Array.isArray(values) && values.every((v) => v instanceof Uint8Array));
  if (!valid) throw new Error("_unknownFields must map wire tags (field number << 3 | wire type) to arrays of Uint8Array");
  return Object.fromEntries(entries) as UnknownFields;
}

/** The response message for what a driver method returned (nothing = the empty response). */
function toResponse<Response extends { _unknownFields?: UnknownFields | undefined }>(
  operation: string,
  answer: DeepPartial<Response> | undefined,
  fns: ResponseFns<Response>,
): Response {
  if (answer === undefined || answer === null) return fns.fromPartial({} as DeepPartial<Response>);
  if (typeof answer !== "object") {
    throw new Error(`${operation} returned ${typeof answer} ${JSON.stringify(answer)}; return a response object, or nothing for the empty response`);
  }
  const message = fns.fromPartial(answer);
  const unknown = unknownFieldsOf(answer);
  if (unknown !== undefined) message._unknownFields = unknown;
  return message;
}

function bind<Request extends DriverRequest, Response extends { _unknownFields?: UnknownFields | undefined }>(
  driverName: string,
  logger: Logger,
  operation: string,
  method: ((request: Request, ctx: DriverContext) => DriverAnswer<Response>) | undefined,
  fns: ResponseFns<Response>,
  check: (request: Request) => void = () => {},
): handleUnaryCall<Request, Response> {
  return unaryHandler<Request, Response>({
    operation,
    logger,
    level: "info",
    operationIdOf: (request) => request.operationId,
    requestIdOf: (request) => request.context?.requestId ?? "",
    run: async (request, ctx) => {
      if (method === undefined) {
        throw new DriverError(status.UNIMPLEMENTED, `${driverName} does not implement ${operation}, and GetCapabilities does not list it`);
      }
      check(request);
      const answer = (await method(request, ctx)) ?? undefined;
      return toResponse(operation, answer, fns);
    },
  });
}

const SOURCE_CASES: Record<string, SourceKindName> = { cgsnapshotSource: "cgsnapshot", groupSource: "group" };

function checkSource(driverName: string, kinds: ReadonlySet<SourceKindName>): (request: CreateConsistencyGroupFromSourceRequest) => void {
  return (request) => {
    if (request.source === undefined) {
      throw new DriverError(status.INVALID_ARGUMENT, "CreateConsistencyGroupFromSource names no source: set cgsnapshot_source or group_source");
    }
    const kind = SOURCE_CASES[request.source.$case];
    if (kind === undefined || !kinds.has(kind)) {
      throw new DriverError(status.UNIMPLEMENTED, `${driverName} does not create groups from a ${kind ?? request.source.$case} source; it accepts: ${[...kinds].join(", ")}`);
    }
  };
}

/** The ConsistencyGroupDriverService implementation for `driver`. */
export function driverServiceImplementation(driver: Driver, description: DriverDescription, logger: Logger): ConsistencyGroupDriverServiceServer {
  const name = driver.name;
  return {
    createConsistencyGroup: bind(name, logger, "CreateConsistencyGroup", driver.createConsistencyGroup?.bind(driver), CreateConsistencyGroupResponse),
    createConsistencyGroupFromSource: bind(
      name,
      logger,
      "CreateConsistencyGroupFromSource",
      driver.createConsistencyGroupFromSource?.bind(driver),
      CreateConsistencyGroupFromSourceResponse,
      checkSource(name, description.sourceKinds),
    ),
    deleteConsistencyGroup: bind(name, logger, "DeleteConsistencyGroup", driver.deleteConsistencyGroup?.bind(driver), DeleteConsistencyGroupResponse),
    updateConsistencyGroup: bind(name, logger, "UpdateConsistencyGroup", driver.updateConsistencyGroup?.bind(driver), UpdateConsistencyGroupResponse),
    createCgSnapshot: bind(name, logger, "CreateCgSnapshot", driver.createCgSnapshot?.bind(driver), CreateCgSnapshotResponse),
    deleteCgSnapshot: bind(name, logger, "DeleteCgSnapshot", driver.deleteCgSnapshot?.bind(driver), DeleteCgSnapshotResponse),
  };
}
