// The standard gRPC health service (grpc.health.v1.Health: Check and Watch) for a plugin, written
// against its two one-field messages on the wire. The grpc-health-check package parses its .proto
// with a loader at import time: about 55 ms of every plugin's start (bench/README.md).
import {
  status,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  type ServiceDefinition,
} from "@grpc/grpc-js";

/** The health of one service, as grpc.health.v1.HealthCheckResponse.ServingStatus names it. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const STATUS_NUMBERS: Record<ServingStatus, number> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS_NUMBERS).map(([name, n]) => [n, name])) as Record<number, ServingStatus>;

interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  status: ServingStatus;
}

/** Reads a base-128 varint at `at`; returns the value and the offset after it. */
function readVarint(buffer: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < buffer.length; i++) {
    const byte = buffer[i]!;
    // Multiplication, not <<, so values above 2^31 stay exact (lengths here never are).
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i + 1];
    shift += 7;
    if (shift > 63) break;
  }
  throw new RangeError("a varint runs past the end of the health message");
}

function writeVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/**
 * Visits the fields of a protobuf message: field number, wire type, and the varint value (type
 * 0) or the bytes (type 2). Other wire types are skipped, as a reader must for unknown fields.
 */
function forEachField(buffer: Buffer, visit: (field: number, value: number | Buffer) => void): void {
  let at = 0;
  while (at < buffer.length) {
    const [tag, afterTag] = readVarint(buffer, at);
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 0) {
      const [value, next] = readVarint(buffer, afterTag);
      visit(field, value);
      at = next;
    } else if (wireType === 2) {
      const [length, start] = readVarint(buffer, afterTag);
      if (start + length > buffer.length) throw new RangeError("a field runs past the end of the health message");
      visit(field, buffer.subarray(start, start + length));
      at = start + length;
    } else if (wireType === 1) {
      at = afterTag + 8;
    } else if (wireType === 5) {
      at = afterTag + 4;
    } else {
      throw new RangeError(`wire type ${wireType} in a health message`);
    }
  }
}

function decodeRequest(buffer: Buffer): HealthCheckRequest {
  let service = "";
  forEachField(buffer, (field, value) => {
    if (field === 1 && Buffer.isBuffer(value)) service = value.toString("utf8");
  });
  return { service };
}

function encodeRequest(request: HealthCheckRequest): Buffer {
  const name = Buffer.from(request.service, "utf8");
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, ...writeVarint(name.length)]), name]);
}

function decodeResponse(buffer: Buffer): HealthCheckResponse {
  let number = 0;
  forEachField(buffer, (field, value) => {
    if (field === 1 && typeof value === "number") number = value;
  });
  return { status: STATUS_NAMES[number] ?? "UNKNOWN" };
}

function encodeResponse(response: HealthCheckResponse): Buffer {
  const number = STATUS_NUMBERS[response.status];
  // proto3: the default (UNKNOWN, 0) is not written.
  return number === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...writeVarint(number)]);
}

const codec = {
  requestStream: false,
  requestSerialize: encodeRequest,
  requestDeserialize: decodeRequest,
  responseSerialize: encodeResponse,
  responseDeserialize: decodeResponse,
} as const;

/** grpc.health.v1.Health as grpc-js registers it. */
export const HEALTH_SERVICE: ServiceDefinition = {
  check: { path: "/grpc.health.v1.Health/Check", responseStream: false, originalName: "Check", ...codec },
  watch: { path: "/grpc.health.v1.Health/Watch", responseStream: true, originalName: "Watch", ...codec },
};

/** The health of each service a plugin serves ("" is the server as a whole), with watchers. */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<(status: ServingStatus) => void>>();

  constructor(initial: Record<string, ServingStatus>) {
    for (const [service, value] of Object.entries(initial)) this.statuses.set(service, value);
  }

  /** Sets a service's status and tells every Watch of it. */
  setStatus(service: string, value: ServingStatus): void {
    const previous = this.statuses.get(service);
    this.statuses.set(service, value);
    if (previous !== value) for (const notify of this.watchers.get(service) ?? []) notify(value);
  }

  addToServer(server: Server): void {
    server.addService(HEALTH_SERVICE, {
      check: (call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) => {
        const value = this.statuses.get(call.request.service);
        // The health protocol: a service the server does not know is NOT_FOUND on Check.
        if (value === undefined) callback({ code: status.NOT_FOUND, details: `no health status for service '${call.request.service}'` });
        else callback(null, { status: value });
      },
      watch: (call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) => {
        const service = call.request.service;
        const send = (value: ServingStatus): void => {
          call.write({ status: value });
        };
        let set = this.watchers.get(service);
        if (!set) this.watchers.set(service, (set = new Set()));
        set.add(send);
        const forget = (): void => {
          set.delete(send);
          if (set.size === 0) this.watchers.delete(service);
        };
        call.on("cancelled", forget);
        call.on("close", forget);
        // Watch answers at once with the current status, SERVICE_UNKNOWN for a service not known.
        send(this.statuses.get(service) ?? "SERVICE_UNKNOWN");
      },
    });
  }
}
