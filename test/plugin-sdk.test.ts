// The TypeScript SDK keeps proto/README.md's promises: an in-process driver served as a sidecar
// answers exactly what its methods say (codes, absent fields, unknown fields, UNIMPLEMENTED for
// what it leaves out), and the compiled scripted driver, launched as a real child, performs the
// handshake on descriptor 3 and stops when that lifeline ends or on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ConsistencyGroupDriverServiceClient,
  CreateCgSnapshotRequest,
  CreateConsistencyGroupFromSourceRequest,
  CreateConsistencyGroupRequest,
  CreateConsistencyGroupResponse,
  DeleteConsistencyGroupRequest,
} from "../gen/cgdriver/v1/driver.js";
import { Operation, PluginServiceClient, SourceKind } from "../gen/cgdriver/v1/plugin.js";
import {
  DriverDefinitionError,
  DriverError,
  GroupStatus,
  serve,
  ServeError,
  toServiceError,
  type Driver,
  type DriverContext,
  type ServingPlugin,
} from "../plugin-sdk/index.js";

const root = join(import.meta.dirname, "..");
const SCRIPTED_DRIVER = join(root, "dist", "test", "drivers", "scripted-driver.js");

/** Resolves with a unary call's response, or rejects with its ServiceError. */
function unary<Response>(start: (callback: (error: ServiceError | null, response?: Response) => void) => void): Promise<Response> {
  return new Promise((resolve, reject) => start((error, response) => (error ? reject(error) : resolve(response as Response))));
}

/** The ServiceError a call failed with; fails the test if it succeeded. */
async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail, and it succeeded");
}

/** The response of a driver RPC as raw bytes, to see exactly what went on the wire. */
function rawCall(client: Client, method: string, request: Buffer): Promise<Buffer> {
  return unary<Buffer>((callback) =>
    client.makeUnaryRequest(`/cgdriver.v1.ConsistencyGroupDriverService/${method}`, (b: Buffer) => b, (b: Buffer) => b, request, callback),
  );
}

// The SDK writes its own health service; grpc-health-check's codec, built from the standard
// .proto, is the reference client here.
function healthStatus(client: Client, service = ""): Promise<string> {
  const check = healthService.Check!;
  return unary<{ status: string }>((callback) =>
    client.makeUnaryRequest(
      check.path,
      (value: object) => check.requestSerialize(value),
      (bytes: Buffer) => check.responseDeserialize(bytes) as { status: string },
      { service },
      callback,
    ),
  ).then((response) => response.status);
}

/** Opens a Watch of `service`; `next()` resolves with each status the server sends. */
function watchHealth(client: Client, service: string): { next(): Promise<string>; cancel(): void } {
  const watch = healthService.Watch!;
  const stream = client.makeServerStreamRequest(
    watch.path,
    (value: object) => watch.requestSerialize(value),
    (bytes: Buffer) => watch.responseDeserialize(bytes) as { status: string },
    { service },
  );
  const queued: string[] = [];
  const waiting: Array<(status: string) => void> = [];
  stream.on("data", (message: { status: string }) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message.status);
    else queued.push(message.status);
  });
  stream.on("error", () => undefined);
  return {
    next: () => (queued.length > 0 ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    cancel: () => stream.cancel(),
  };
}

function groupRequest(name: string, operationId = `op-${name}`): CreateConsistencyGroupRequest {
  return CreateConsistencyGroupRequest.fromPartial({ operationId, context: { requestId: `ctx-${name}` }, group: { id: `g-${name}`, name } });
}

describe("an SDK driver served in-process as a sidecar", () => {
  let dir: string;
  let plugin: ServingPlugin | undefined;
  let driverClient: ConsistencyGroupDriverServiceClient;
  let pluginClient: PluginServiceClient;
  let rawClient: Client;
  const logs: Array<Record<string, unknown>> = [];
  const seen: DriverContext[] = [];
  let abortedWith: (reason: unknown) => void = () => {};
  let ready = true;

  const driver: Driver = {
    name: "sdk-test-driver",
    vendorVersion: "1.2.3",
    createFromSourceKinds: ["group"],
    probe: () => (ready ? { ready } : { ready, message: "array offline" }),
    async createConsistencyGroup(req, ctx) {
      seen.push(ctx);
      switch (req.group?.name) {
        case "locked":
          throw new DriverError(status.FAILED_PRECONDITION, "a LUN is locked");
        case "boom":
          throw new Error("disk on fire");
        case "grpc-like":
          throw Object.assign(new Error("14 UNAVAILABLE: backend gone"), { code: 14, details: "backend gone" });
        case "empty":
          return undefined;
        case "future":
          return { modelUpdate: { status: GroupStatus.GROUP_STATUS_AVAILABLE }, _unknownFields: { 120: [Uint8Array.of(1)] } };
        default:
          return { modelUpdate: { status: GroupStatus.GROUP_STATUS_AVAILABLE, providerId: `cg-${req.group?.id}` } };
      }
    },
    async createConsistencyGroupFromSource() {
      return {};
    },
    async createCgSnapshot(_req, ctx) {
      // A driver that passes the signal to its I/O: the AbortError must still end as DEADLINE_EXCEEDED.
      try {
        await sleep(60_000, undefined, { signal: ctx.signal });
      } finally {
        abortedWith(ctx.signal.reason);
      }
    },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cghost-sdk-"));
    const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    plugin = await serve(driver, { address: `unix://${join(dir, "plugin.sock")}`, logger, handleSignals: false });
    driverClient = new ConsistencyGroupDriverServiceClient(plugin.address, credentials.createInsecure());
    pluginClient = new PluginServiceClient(plugin.address, credentials.createInsecure());
    rawClient = new Client(plugin.address, credentials.createInsecure());
  });

  afterAll(async () => {
    driverClient?.close();
    pluginClient?.close();
    rawClient?.close();
    await plugin?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens where it was told and reports SERVING on the standard health service", async () => {
    expect(plugin!.address).toBe(`unix://${join(dir, "plugin.sock")}`);
    expect(await healthStatus(rawClient)).toBe("SERVING");
    expect(await healthStatus(rawClient, "cgdriver.v1.ConsistencyGroupDriverService")).toBe("SERVING");
    expect(await healthStatus(rawClient, "cgdriver.v1.PluginService")).toBe("SERVING");
  });

  it("health: Check of a service it does not serve is NOT_FOUND; Watch of it says SERVICE_UNKNOWN", async () => {
    await expect(healthStatus(rawClient, "no.such.Service")).rejects.toMatchObject({ code: status.NOT_FOUND });
    const watch = watchHealth(rawClient, "no.such.Service");
    try {
      expect(await watch.next()).toBe("SERVICE_UNKNOWN");
    } finally {
      watch.cancel();
    }
  });

  it("GetPluginInfo and GetCapabilities reflect the driver: defined methods only, declared source kinds", async () => {
    const info = await unary<{ name: string; vendorVersion: string; contractVersions: string[] }>((cb) => pluginClient.getPluginInfo({}, cb));
    expect(info).toMatchObject({ name: "sdk-test-driver", vendorVersion: "1.2.3", contractVersions: ["v1"] });
    const capabilities = await unary<{ operations: Operation[]; createFromSourceKinds: SourceKind[] }>((cb) => pluginClient.getCapabilities({}, cb));
    expect(capabilities.operations).toEqual([
      Operation.OPERATION_CREATE_CONSISTENCY_GROUP,
      Operation.OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE,
      Operation.OPERATION_CREATE_CG_SNAPSHOT,
    ]);
    expect(capabilities.createFromSourceKinds).toEqual([SourceKind.SOURCE_KIND_GROUP]);
  });

  it("an operation the driver leaves out answers UNIMPLEMENTED, naming the driver", async () => {
    const error = await failure(
      unary((cb) => driverClient.deleteConsistencyGroup(DeleteConsistencyGroupRequest.fromPartial({ operationId: "op-del" }), cb)),
    );
    expect(error.code).toBe(status.UNIMPLEMENTED);
    expect(error.details).toContain("sdk-test-driver does not implement DeleteConsistencyGroup");
  });

  it("a source kind the driver does not declare answers UNIMPLEMENTED without reaching the method", async () => {
    const request = CreateConsistencyGroupFromSourceRequest.fromPartial({
      operationId: "op-src",
      source: { $case: "cgsnapshotSource", value: { cgsnapshot: { id: "cs-1" } } },
    });
    const error = await failure(unary((cb) => driverClient.createConsistencyGroupFromSource(request, cb)));
    expect(error.code).toBe(status.UNIMPLEMENTED);
    expect(error.details).toContain("cgsnapshot");
    const byGroup = CreateConsistencyGroupFromSourceRequest.fromPartial({ operationId: "op-src-2", source: { $case: "groupSource", value: {} } });
    await unary((cb) => driverClient.createConsistencyGroupFromSource(byGroup, cb));
  });

  it("a thrown DriverError keeps its code and message", async () => {
    const error = await failure(unary((cb) => driverClient.createConsistencyGroup(groupRequest("locked"), cb)));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe("a LUN is locked");
  });

  it("a thrown plain Error becomes INTERNAL with its message, not grpc-js's UNKNOWN", async () => {
    const error = await failure(unary((cb) => driverClient.createConsistencyGroup(groupRequest("boom"), cb)));
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toBe("disk on fire");
  });

  it("a thrown object with a gRPC code (a ServiceError from a nested call) keeps that code", async () => {
    const error = await failure(unary((cb) => driverClient.createConsistencyGroup(groupRequest("grpc-like"), cb)));
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe("backend gone");
  });

  it("returning nothing is the empty response: no field at all on the wire", async () => {
    const bytes = await rawCall(rawClient, "CreateConsistencyGroup", Buffer.from(CreateConsistencyGroupRequest.encode(groupRequest("empty")).finish()));
    expect(bytes.length).toBe(0);
    const decoded = await unary<CreateConsistencyGroupResponse>((cb) => driverClient.createConsistencyGroup(groupRequest("empty"), cb));
    expect(decoded.modelUpdate).toBeUndefined();
  });

  it("a returned answer is sent as given, and _unknownFields reach the wire", async () => {
    const plain = await unary<CreateConsistencyGroupResponse>((cb) => driverClient.createConsistencyGroup(groupRequest("plain"), cb));
    expect(plain.modelUpdate).toMatchObject({ status: GroupStatus.GROUP_STATUS_AVAILABLE, providerId: "cg-g-plain" });
    const bytes = await rawCall(rawClient, "CreateConsistencyGroup", Buffer.from(CreateConsistencyGroupRequest.encode(groupRequest("future")).finish()));
    // Field 1 (model_update, status AVAILABLE), then tag 120 (field 15, varint) with value 1.
    expect([...bytes]).toEqual([0x0a, 0x02, 0x08, 0x02, 0x78, 0x01]);
  });

  it("gives the driver the operation id and the x-request-id, and logs each call with both, its code and duration", async () => {
    const metadata = new Metadata();
    metadata.set("x-request-id", "req-7");
    await unary((cb) => driverClient.createConsistencyGroup(groupRequest("ids", "op-ids"), metadata, cb));
    const ctx = seen.at(-1)!;
    expect(ctx).toMatchObject({ operationId: "op-ids", requestId: "req-7" });
    expect(ctx.signal.aborted).toBe(false);
    await unary((cb) => driverClient.createConsistencyGroup(groupRequest("no-metadata", "op-nm"), cb));
    expect(seen.at(-1)!.requestId).toBe("ctx-no-metadata");
    const line = logs.find((l) => l.operationId === "op-ids" && l.msg === "call answered")!;
    expect(line).toMatchObject({
      operation: "CreateConsistencyGroup",
      method: "/cgdriver.v1.ConsistencyGroupDriverService/CreateConsistencyGroup",
      requestId: "req-7",
      code: "OK",
    });
    expect(typeof line.durationMs).toBe("number");
    expect(logs.find((l) => l.operationId === "op-locked")).toMatchObject({ code: "FAILED_PRECONDITION", level: 40 });
  });

  it("aborts ctx.signal when the deadline passes, and maps the driver's AbortError to DEADLINE_EXCEEDED", async () => {
    const aborted = new Promise<unknown>((resolve) => (abortedWith = resolve));
    const request = CreateCgSnapshotRequest.fromPartial({ operationId: "op-slow" });
    const error = await failure(unary((cb) => driverClient.createCgSnapshot(request, new Metadata(), { deadline: Date.now() + 150 }, cb)));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    const reason = await aborted;
    expect(reason).toBeInstanceOf(DriverError);
    expect((reason as DriverError).code).toBe(status.DEADLINE_EXCEEDED);
    await expect.poll(() => logs.find((l) => l.operationId === "op-slow" && l.msg === "call failed")?.code).toBe("DEADLINE_EXCEEDED");
  });

  it("Probe answers from driver.probe", async () => {
    expect(await unary((cb) => pluginClient.probe({}, cb))).toMatchObject({ ready: true });
    ready = false;
    expect(await unary((cb) => pluginClient.probe({}, cb))).toMatchObject({ ready: false, message: "array offline" });
    ready = true;
  });
});

describe("toServiceError and serve's checks", () => {
  it("maps an AbortError of an aborted signal to the abort's reason, and anything else to INTERNAL", () => {
    const controller = new AbortController();
    controller.abort(new DriverError(status.CANCELLED, "the host cancelled the call"));
    const abortError = Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
    expect(toServiceError(abortError, controller.signal)).toMatchObject({ code: status.CANCELLED, details: "the host cancelled the call" });
    expect(toServiceError(abortError)).toMatchObject({ code: status.INTERNAL });
    expect(toServiceError("plain text")).toMatchObject({ code: status.INTERNAL, details: "plain text" });
    expect(toServiceError({ code: 0, message: "ok?" })).toMatchObject({ code: status.INTERNAL });
    expect(new DriverError(status.NOT_FOUND, "no LUN 7").message).toBe("[NOT_FOUND] no LUN 7");
  });

  it("refuses to guess where to listen, and says how to run the plugin", async () => {
    const saved = process.env.CGHOST_PLUGIN_SOCKET;
    delete process.env.CGHOST_PLUGIN_SOCKET;
    try {
      const error = await serve({ name: "lost", vendorVersion: "1" }, { handleSignals: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServeError);
      expect((error as Error).message).toMatch(/CGHOST_PLUGIN_SOCKET.*cghost host.*sidecar.*address/s);
    } finally {
      if (saved !== undefined) process.env.CGHOST_PLUGIN_SOCKET = saved;
    }
  });

  it("a sidecar's socket file that no process answers on is removed and reused; one a live process answers on is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cghost-sdk-"));
    const path = join(dir, "plugin.sock");
    // A process that listens and is SIGKILLed leaves its socket file behind.
    const holder = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise((resolve) => holder.stdout!.once("data", resolve));
      const live = await serve({ name: "second", vendorVersion: "1" }, { address: `unix://${path}`, handleSignals: false }).catch((e: unknown) => e);
      expect(live).toBeInstanceOf(ServeError);
      expect((live as Error).message).toBe(`cannot listen on unix://${path}: another process is serving there; stop it, or choose another address`);
      const gone = new Promise((resolve) => holder.once("exit", resolve));
      holder.kill("SIGKILL");
      await gone;
      expect(existsSync(path)).toBe(true);
      const lines: string[] = [];
      const logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
      const plugin = await serve({ name: "restarted", vendorVersion: "1" }, { address: `unix://${path}`, logger, handleSignals: false });
      try {
        expect(plugin.address).toBe(`unix://${path}`);
        expect(lines.join("")).toContain("removed a stale socket file");
      } finally {
        await plugin.stop();
      }
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses source kinds for a method that is not defined", async () => {
    const driver: Driver = { name: "kinds", vendorVersion: "1", createFromSourceKinds: ["group"] };
    await expect(serve(driver, { address: "127.0.0.1:0", handleSignals: false })).rejects.toBeInstanceOf(DriverDefinitionError);
  });

  it("health: a Watch sees SERVING, then NOT_SERVING when the plugin stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cghost-sdk-"));
    const plugin = await serve(
      { name: "watched", vendorVersion: "1", createConsistencyGroup: async () => ({}) },
      { address: `unix://${join(dir, "w.sock")}`, logger: pino({ level: "silent" }), handleSignals: false, shutdownGraceMs: 100 },
    );
    const client = new Client(plugin.address, credentials.createInsecure());
    const watch = watchHealth(client, "cgdriver.v1.ConsistencyGroupDriverService");
    try {
      expect(await watch.next()).toBe("SERVING");
      const stopped = plugin.stop();
      expect(await watch.next()).toBe("NOT_SERVING");
      await stopped;
    } finally {
      watch.cancel();
      client.close();
      await plugin.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stop() cancels calls still in flight after the grace, aborting their signal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cghost-sdk-"));
    let reached: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (reached = resolve));
    let aborted: (reason: unknown) => void = () => {};
    const abortReason = new Promise<unknown>((resolve) => (aborted = resolve));
    const plugin = await serve(
      {
        name: "stuck",
        vendorVersion: "1",
        createConsistencyGroup: (_req, ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => {
              aborted(ctx.signal.reason);
              reject(ctx.signal.reason);
            });
            reached();
          }),
      },
      { address: `unix://${join(dir, "p.sock")}`, logger: pino({ level: "silent" }), handleSignals: false, shutdownGraceMs: 100 },
    );
    const client = new ConsistencyGroupDriverServiceClient(plugin.address, credentials.createInsecure());
    try {
      const call = failure(unary((cb) => client.createConsistencyGroup(groupRequest("stuck"), cb)));
      await inFlight;
      await plugin.stop();
      expect((await abortReason as DriverError).code).toBe(status.CANCELLED);
      expect((await call).code).toBe(status.CANCELLED);
      expect(existsSync(join(dir, "p.sock"))).toBe(false);
    } finally {
      client.close();
      await plugin.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Launched {
  child: ChildProcess;
  dir: string;
  socket: string;
  nonce: string;
  callsPath: string;
  stdout: () => string;
  stderr: () => string;
  /** The handshake line, parsed; rejects if the child exits first. */
  handshake: Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  lifeline: Socket;
}

describe("the scripted driver launched as a child (handshake and lifeline)", () => {
  const launched: Launched[] = [];

  function launch(script: Record<string, unknown>, preamble?: string): Launched {
    if (!existsSync(SCRIPTED_DRIVER)) throw new Error(`${SCRIPTED_DRIVER} is missing: run \`npx tsc -p tsconfig.json\` first`);
    const dir = mkdtempSync(join(tmpdir(), "cghost-sdk-child-"));
    const socket = join(dir, "plugin.sock");
    const scriptPath = join(dir, "script.json");
    const callsPath = join(dir, "calls.jsonl");
    writeFileSync(scriptPath, JSON.stringify(script));
    writeFileSync(callsPath, "");
    const nonce = randomBytes(16).toString("hex");
    // A preamble stands for a driver that prints to stdout before serve() runs.
    const args = preamble === undefined
      ? [SCRIPTED_DRIVER]
      : ["--input-type=module", "-e", `${preamble}; await import(${JSON.stringify(pathToFileURL(SCRIPTED_DRIVER).href)});`];
    const child = spawn(process.execPath, args, {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: {
        ...process.env,
        CGHOST_PLUGIN_SOCKET: socket,
        CGHOST_HANDSHAKE_FD: "3",
        CGHOST_PLUGIN_NONCE: nonce,
        CGHOST_CONTRACT_VERSIONS: "v1",
        CGHOST_SCRIPT: scriptPath,
        CGHOST_CALLS: callsPath,
      },
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const lifeline = child.stdio[3] as Socket;
    const handshake = new Promise<Record<string, unknown>>((resolve, reject) => {
      let buffered = "";
      lifeline.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const end = buffered.indexOf("\n");
        if (end >= 0) resolve(JSON.parse(buffered.slice(0, end)) as Record<string, unknown>);
      });
      void exited.then(({ code, signal }) => reject(new Error(`the plugin exited (${code ?? signal}) before its handshake; stderr:\n${err}`)));
    });
    const entry = { child, dir, socket, nonce, callsPath, stdout: () => out, stderr: () => err, handshake, exited, lifeline };
    launched.push(entry);
    return entry;
  }

  afterEach(async () => {
    for (const { child, dir, exited } of launched.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes one handshake line with the nonce, its unix address, contract versions and pid, once it listens", async () => {
    const plugin = launch({ unimplemented: ["delete_cgsnapshot"] });
    const line = await plugin.handshake;
    expect(line).toEqual({ cghost_handshake: 1, nonce: plugin.nonce, address: `unix://${plugin.socket}`, contract_versions: ["v1"], pid: plugin.child.pid });
    const client = new PluginServiceClient(line.address as string, credentials.createInsecure());
    try {
      const capabilities = await unary<{ operations: Operation[] }>((cb) => client.getCapabilities({}, cb));
      expect(capabilities.operations).not.toContain(Operation.OPERATION_DELETE_CG_SNAPSHOT);
      expect(capabilities.operations).toContain(Operation.OPERATION_CREATE_CG_SNAPSHOT);
    } finally {
      client.close();
    }
  });

  it("plays its script: templates filled from the request, unknown fields on the wire, every call recorded", async () => {
    const plugin = launch({
      create_group: { respond: { modelUpdate: { status: 99, providerId: "{{group.id}}" }, unknownField: { number: 15, varint: 300 } } },
      delete_group: { fail: { code: 9, message: "LUN busy" } },
    });
    const { address } = await plugin.handshake;
    const raw = new Client(address as string, credentials.createInsecure());
    const client = new ConsistencyGroupDriverServiceClient(address as string, credentials.createInsecure());
    try {
      const bytes = await rawCall(raw, "CreateConsistencyGroup", Buffer.from(CreateConsistencyGroupRequest.encode(groupRequest("x", "op-1")).finish()));
      const decoded = CreateConsistencyGroupResponse.decode(bytes);
      expect(decoded.modelUpdate).toMatchObject({ status: 99, providerId: "g-x" });
      // 300 as a varint is 0xac 0x02.
      expect(Object.keys(decoded._unknownFields ?? {})).toEqual(["120"]);
      expect([...decoded._unknownFields![120]![0]!]).toEqual([0xac, 0x02]);
      const error = await failure(unary((cb) => client.deleteConsistencyGroup(DeleteConsistencyGroupRequest.fromPartial({ operationId: "op-2" }), cb)));
      expect(error.code).toBe(9);
      expect(error.details).toBe("LUN busy");
      const calls = readFileSync(plugin.callsPath, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(calls).toEqual([
        { kind: "create_group", operationId: "op-1", request: CreateConsistencyGroupRequest.toJSON(groupRequest("x", "op-1")) },
        { kind: "delete_group", operationId: "op-2", request: { operationId: "op-2" } },
      ]);
    } finally {
      raw.close();
      client.close();
    }
  });

  it("a hung call ends when its deadline passes, and the plugin keeps answering", async () => {
    const plugin = launch({ create_cgsnapshot: { hang: true } });
    const { address } = await plugin.handshake;
    const client = new ConsistencyGroupDriverServiceClient(address as string, credentials.createInsecure());
    try {
      const request = CreateCgSnapshotRequest.fromPartial({ operationId: "op-hang" });
      const error = await failure(unary((cb) => client.createCgSnapshot(request, new Metadata(), { deadline: Date.now() + 200 }, cb)));
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      await unary((cb) => client.createConsistencyGroup(groupRequest("after"), cb));
    } finally {
      client.close();
    }
  });

  it("exits when the host's end of descriptor 3 closes (the lifeline)", async () => {
    const plugin = launch({});
    await plugin.handshake;
    plugin.lifeline.destroy();
    expect(await plugin.exited).toEqual({ code: 0, signal: null });
    expect(plugin.stderr()).toContain("the host is gone");
    expect(existsSync(plugin.socket)).toBe(false);
  });

  it("stops gracefully and exits 0 on SIGTERM", async () => {
    const plugin = launch({});
    await plugin.handshake;
    plugin.child.kill("SIGTERM");
    expect(await plugin.exited).toEqual({ code: 0, signal: null });
    expect(plugin.stderr()).toContain("received SIGTERM");
  });

  it("logs JSON to stderr only, and a driver's own stdout prints cannot break the handshake", async () => {
    const quiet = launch({});
    await quiet.handshake;
    const noisy = launch({}, `process.stdout.write('{"cghost_handshake": 1, "nonce": "forged"}\\nhello from the driver\\n')`);
    const line = await noisy.handshake;
    expect(line.nonce).toBe(noisy.nonce);
    quiet.child.kill("SIGTERM");
    noisy.child.kill("SIGTERM");
    await Promise.all([quiet.exited, noisy.exited]);
    expect(quiet.stdout()).toBe("");
    expect(noisy.stdout()).toContain("hello from the driver");
    const logLines = quiet.stderr().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logLines.find((l) => l.msg === "serving")).toMatchObject({ name: "scripted-driver", mode: "launched" });
  });
});
