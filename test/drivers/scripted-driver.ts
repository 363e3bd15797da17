// A driver whose every answer a test chooses: the host's integration tests start it as a real
// child process (test/support/host-harness.ts) and rewrite its script between calls.
//
// Environment:
// - CGHOST_SCRIPT: a JSON file, re-read on every call, shaped
//   { unimplemented?: string[], probe?: { ready, message }, [kind]: <step> }, a step being
//   { fail: { code, message } } | { respond: <partial response> } | { hang: true } |
//   { crash: true } (the process kills itself with SIGKILL inside the call, after a stderr line) |
//   { crash: "first-attempt", then?: <step> } (crash on the first call carrying an operation id;
//   answer later calls with the same id, the host's retries, by `then`, default { respond: {} })
//   where kind is the host's operation name (create_group, ...). A kind without an entry answers {}.
//   `unimplemented` is read once at start-up: those operations are left off the Driver, so
//   GetCapabilities omits them. In `respond`, a string "{{path.to.value}}" is replaced by the
//   value at that path of the request's JSON form, and `unknownField: { number, varint }` is sent
//   on the wire as a field the contract does not define.
// - CGHOST_CALLS: a JSONL file; each call appends { kind, operationId, request } (request in its
//   JSON form, so oneofs appear as `cgsnapshotSource` / `groupSource`) before answering, and logs a JSON line "scripted call received" on stderr so a test can wait for the call.
// `probe` is re-read on every Probe: absent means ready.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import {
  CreateCgSnapshotRequest,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupRequest,
  DeleteCgSnapshotRequest,
  DeleteConsistencyGroupRequest,
  DriverError,
  serve,
  UpdateConsistencyGroupRequest,
  type DeepPartial,
  type Driver,
  type DriverContext,
} from "../../plugin-sdk/index.js";

type Kind = "create_group" | "create_group_from_source" | "delete_group" | "update_group" | "create_cgsnapshot" | "delete_cgsnapshot";

type Step =
  | { fail: { code: number; message: string } }
  | { respond: Record<string, unknown> & { unknownField?: { number: number; varint: number } } }
  | { hang: true }
  | { crash: true | "first-attempt"; then?: Step };

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`scripted-driver: set ${name} (see test/drivers/scripted-driver.ts)`);
  return value;
}

const scriptPath = requiredEnv("CGHOST_SCRIPT");
const callsPath = requiredEnv("CGHOST_CALLS");

function readScript(): Record<string, unknown> {
  return JSON.parse(readFileSync(scriptPath, "utf8")) as Record<string, unknown>;
}

/** The value at a dotted path ("snapshots.0.id") of a JSON value. */
function lookup(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split(".")) {
    if (typeof value !== "object" || value === null || !(key in value)) {
      throw new DriverError(13, `scripted-driver: the template {{${path}}} names nothing in the request (stopped at "${key}")`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** `template` with every string "{{path}}" replaced by that path's value in `request`. */
function fill(template: unknown, request: unknown): unknown {
  if (typeof template === "string") {
    const match = /^\{\{([^{}]+)\}\}$/.exec(template);
    return match ? lookup(request, match[1]!) : template;
  }
  if (Array.isArray(template)) return template.map((item) => fill(item, request));
  if (typeof template === "object" && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, fill(value, request)]));
  }
  return template;
}

/** A non-negative integer as protobuf varint bytes (7 bits a byte, low first). */
function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** A response object from the script's `respond`, with `unknownField` turned into ts-proto's `_unknownFields`. */
function response(respond: Record<string, unknown>, request: unknown): Record<string, unknown> {
  const { unknownField, ...fields } = respond;
  const filled = fill(fields, request) as Record<string, unknown>;
  if (unknownField === undefined) return filled;
  const { number, varint: value } = unknownField as { number: number; varint: number };
  // ts-proto keys unknown fields by their wire tag (field number << 3 | wire type 0 for a varint)
  // and writes the stored bytes right after the tag.
  return { ...filled, _unknownFields: { [number * 8]: [varint(value)] } };
}

function readCalls(): Array<{ operationId: string }> {
  // The file appears with the first call when the test did not create it.
  if (!existsSync(callsPath)) return [];
  return readFileSync(callsPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { operationId: string });
}

/** Dies at once, the way a segfault or the OOM killer would: no answer, no cleanup. */
function crash(kind: Kind): never {
  process.stderr.write(`scripted-driver: crashing on purpose during ${kind}\n`);
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not end the process");
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Records the call, then does what the script says for `kind`. */
async function play<Response>(kind: Kind, operationId: string, requestJson: unknown, ctx: DriverContext): Promise<DeepPartial<Response>> {
  const earlier = readCalls().filter((call) => call.operationId === operationId).length;
  appendFileSync(callsPath, `${JSON.stringify({ kind, operationId, request: requestJson })}\n`);
  let step = (readScript()[kind] ?? { respond: {} }) as Step;
  // After reading the script: a test that waits for this line may rewrite the script at once.
  process.stderr.write(`${JSON.stringify({ level: 30, msg: "scripted call received", kind, operationId })}\n`);
  if ("crash" in step) {
    if (step.crash === true || earlier === 0) crash(kind);
    step = step.then ?? { respond: {} };
  }
  if ("fail" in step) throw new DriverError(step.fail.code, step.fail.message);
  if ("hang" in step) return untilAborted(ctx.signal);
  if ("crash" in step) throw new DriverError(13, "scripted-driver: a crash step's `then` may not be another crash");
  // The script speaks the response's JSON shape, statuses outside the enums included, on purpose.
  return response(step.respond, requestJson) as DeepPartial<Response>;
}

const unimplemented = new Set((readScript().unimplemented ?? []) as string[]);
const unless = <T>(kind: Kind, method: T): T | undefined => (unimplemented.has(kind) ? undefined : method);

const driver: Driver = {
  name: "scripted-driver",
  vendorVersion: "0.0.0-test",
  probe: () => {
    const probe = readScript().probe as { ready?: boolean; message?: string } | undefined;
    return { ready: probe?.ready ?? true, message: probe?.message ?? "" };
  },
  createConsistencyGroup: unless("create_group", (req: CreateConsistencyGroupRequest, ctx: DriverContext) =>
    play("create_group", req.operationId, CreateConsistencyGroupRequest.toJSON(req), ctx),
  ),
  createConsistencyGroupFromSource: unless("create_group_from_source", (req: CreateConsistencyGroupFromSourceRequest, ctx: DriverContext) =>
    play("create_group_from_source", req.operationId, CreateConsistencyGroupFromSourceRequest.toJSON(req), ctx),
  ),
  deleteConsistencyGroup: unless("delete_group", (req: DeleteConsistencyGroupRequest, ctx: DriverContext) =>
    play("delete_group", req.operationId, DeleteConsistencyGroupRequest.toJSON(req), ctx),
  ),
  updateConsistencyGroup: unless("update_group", (req: UpdateConsistencyGroupRequest, ctx: DriverContext) =>
    play("update_group", req.operationId, UpdateConsistencyGroupRequest.toJSON(req), ctx),
  ),
  createCgSnapshot: unless("create_cgsnapshot", (req: CreateCgSnapshotRequest, ctx: DriverContext) =>
    play("create_cgsnapshot", req.operationId, CreateCgSnapshotRequest.toJSON(req), ctx),
  ),
  deleteCgSnapshot: unless("delete_cgsnapshot", (req: DeleteCgSnapshotRequest, ctx: DriverContext) =>
    play("delete_cgsnapshot", req.operationId, DeleteCgSnapshotRequest.toJSON(req), ctx),
  ),
};

// CGHOST_SIDECAR_ADDRESS (unix:///abs/path.sock): serve as a sidecar there instead of as a child.
const sidecarAddress = process.env.CGHOST_SIDECAR_ADDRESS;
await serve(driver, sidecarAddress ? { address: sidecarAddress } : {});
