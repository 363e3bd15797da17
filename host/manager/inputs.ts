// Parses what a caller hands the host into clean values, refusing bad ones with the value named.
import { OPERATION_KINDS, type OperationKind } from "../model.js";
import { HostError } from "./errors.js";

/** What a volume service gives to register a volume. */
export interface RegisterVolumeInput {
  sizeGb: number;
  volumeType: string;
  name?: string;
  projectId?: string;
  /** `available` (default) or `in-use` (attached). */
  status?: "available" | "in-use";
}

/** What a caller gives to create a group. */
export interface CreateGroupInput {
  name: string;
  description?: string;
  /** The volume types the group accepts; at least one. */
  volumeTypes: string[];
}

const MAX_SIZE_GB = 1024 * 1024;
const TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Checks a volume registration; returns the row fields it fixes. */
export function parseRegisterVolume(
  input: RegisterVolumeInput,
  defaultProjectId: string,
): { name: string; sizeGb: number; volumeType: string; projectId: string; status: "available" | "in-use" } {
  if (typeof input !== "object" || input === null) throw new HostError("INVALID_ARGUMENT", "a volume needs sizeGb and volumeType");
  const { sizeGb } = input;
  if (typeof sizeGb !== "number" || !Number.isInteger(sizeGb) || sizeGb < 1 || sizeGb > MAX_SIZE_GB) {
    throw new HostError("INVALID_ARGUMENT", `sizeGb ${JSON.stringify(sizeGb)} must be a whole number of GiB from 1 to ${MAX_SIZE_GB}`);
  }
  const status = input.status ?? "available";
  if (status !== "available" && status !== "in-use") {
    throw new HostError("INVALID_ARGUMENT", `status ${JSON.stringify(status)} must be 'available' or 'in-use' for a new volume`);
  }
  return {
    name: parseText("name", input.name),
    sizeGb,
    volumeType: volumeType(input.volumeType),
    projectId: input.projectId === undefined ? defaultProjectId : nonEmpty("projectId", input.projectId),
    status,
  };
}

/** Checks a group creation. */
export function parseCreateGroup(input: CreateGroupInput): { name: string; description: string; volumeTypes: string[] } {
  if (typeof input !== "object" || input === null) throw new HostError("INVALID_ARGUMENT", "a group needs a name and volumeTypes");
  return { ...parseGroupText(input), volumeTypes: parseVolumeTypes(input.volumeTypes) };
}

/** Checks a group's name and description. */
export function parseGroupText(input: { name?: unknown; description?: unknown }): { name: string; description: string } {
  return { name: nonEmpty("name", input.name), description: parseText("description", input.description) };
}

/** Checks a list of volume types: at least one, each well formed, none repeated. */
export function parseVolumeTypes(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HostError("INVALID_ARGUMENT", `volumeTypes ${JSON.stringify(value)} must list at least one volume type`);
  }
  const types = value.map(volumeType);
  const repeated = types.find((t, i) => types.indexOf(t) !== i);
  if (repeated !== undefined) throw new HostError("INVALID_ARGUMENT", `volumeTypes names '${repeated}' twice`);
  return types;
}

function volumeType(value: unknown): string {
  if (typeof value !== "string" || !TYPE_PATTERN.test(value)) {
    throw new HostError(
      "INVALID_ARGUMENT",
      `volume type ${JSON.stringify(value)} is not valid (letters, digits, '.', '_', ':', '-'; at most 64)`,
    );
  }
  return value;
}

function nonEmpty(what: string, value: unknown): string {
  const result = parseText(what, value);
  if (result.trim() === "") throw new HostError("INVALID_ARGUMENT", `${what} must not be empty`);
  return result;
}

/** Checks an optional free-text value: a string of at most 255 characters; absent is empty. */
export function parseText(what: string, value: unknown): string {
  if (value === undefined) return "";
  // Characters, not UTF-16 code units: a name of 200 emoji is 200 characters.
  if (typeof value !== "string" || (value.length > 255 && [...value].length > 255)) {
    throw new HostError("INVALID_ARGUMENT", `${what} ${JSON.stringify(value)} must be a string of at most 255 characters`);
  }
  return value;
}

/** Who asks for an operation, as a caller may give it (host.ts Caller). */
export interface CallerInput {
  requestId?: unknown;
  projectId?: unknown;
  userId?: unknown;
}

// Sent to the plugin as gRPC metadata (x-request-id), whose values are printable ASCII only.
const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * Checks who asks before anything is written: a request id that gRPC metadata cannot carry would
 * otherwise fail the call after the transitional statuses were written.
 */
export function parseCaller(caller: CallerInput | undefined): void {
  if (caller === undefined) return;
  if (typeof caller !== "object" || caller === null) throw new HostError("INVALID_ARGUMENT", `caller ${JSON.stringify(caller)} must be an object`);
  const { requestId, projectId, userId } = caller;
  if (requestId !== undefined && (typeof requestId !== "string" || !REQUEST_ID_PATTERN.test(requestId))) {
    throw new HostError(
      "INVALID_ARGUMENT",
      `requestId ${JSON.stringify(requestId)} must be 1 to 128 printable ASCII characters without spaces (it travels as gRPC metadata)`,
    );
  }
  if (projectId !== undefined) nonEmpty("projectId", projectId);
  if (userId !== undefined) parseText("userId", userId);
}

/** The most a deadline may be: what Node's timers (and so grpc-js) can wait, about 24.8 days. */
export const MAX_DEADLINE_MS = 2_147_483_647;

/** Checks per-operation deadlines: known operations, each a whole number of milliseconds from 1 to MAX_DEADLINE_MS. */
export function parseDeadlines(value: unknown): Partial<Record<OperationKind, number>> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HostError("INVALID_ARGUMENT", `deadlinesMs ${JSON.stringify(value)} must be an object of milliseconds by operation`);
  }
  const result: Partial<Record<OperationKind, number>> = {};
  for (const [kind, ms] of Object.entries(value)) {
    if (!(OPERATION_KINDS as readonly string[]).includes(kind)) {
      throw new HostError("INVALID_ARGUMENT", `deadlinesMs names ${JSON.stringify(kind)}, which is not an operation (${OPERATION_KINDS.join(", ")})`);
    }
    if (typeof ms !== "number" || !Number.isInteger(ms) || ms < 1 || ms > MAX_DEADLINE_MS) {
      throw new HostError("INVALID_ARGUMENT", `deadlinesMs.${kind} ${typeof ms === "number" ? String(ms) : JSON.stringify(ms)} must be a whole number of milliseconds from 1 to ${MAX_DEADLINE_MS}`);
    }
    result[kind as OperationKind] = ms;
  }
  return result;
}
