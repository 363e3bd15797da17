// The front API as a generic gRPC tool sees it: gRPC health says SERVING (overall and for
// cghost.v1.HostService); reflection lists the services and serves their descriptors;
// WatchOperations streams each operation's outcome, filtered by group (an unknown one is NOT_FOUND), and
// ends when the server stops.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { credentials, loadPackageDefinition, status as grpcStatus, type Client, type ClientDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostServiceClient, type OperationEvent, type WatchOperationsResponse } from "../host/front/front-contract.js";
import { removeDir, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto", "grpc", "reflection", "v1", "reflection.proto");

type Callback<T> = (error: ServiceError | null, value: T) => void;
interface HealthClient extends Client {
  check(request: { service: string }, callback: Callback<{ status: string }>): void;
}
interface ReflectionClient extends Client {
  serverReflectionInfo(): ClientDuplexStream<Record<string, unknown>, Record<string, unknown>>;
}

function clientOf<T extends Client>(protoPath: string, path: string[], address: string): T {
  const definition = loadPackageDefinition(loadSync(protoPath, { enums: String }));
  let node: unknown = definition;
  for (const key of path) node = (node as Record<string, unknown>)[key];
  const Constructor = node as new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => T;
  return new Constructor(address, credentials.createInsecure());
}

let dataDir: string;
let serve: ServeProcess | undefined;
let address: string;
/** buf's CLI, a devDependency: its `curl` reads the schema through reflection only. */
const BUF = join(import.meta.dirname, "..", "node_modules", ".bin", "buf");

beforeAll(async () => {
  dataDir = temporaryDir("cghost-front-");
  const config = writeConfig(dataDir, { plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }] });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
  address = serve.state().address;
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

describe("the front API for generic gRPC clients", () => {
  it("answers gRPC health checks for the server and for cghost.v1.HostService", async () => {
    const health = clientOf<HealthClient>(healthProtoPath, ["grpc", "health", "v1", "Health"], address);
    try {
      for (const service of ["", "cghost.v1.HostService"]) {
        const answer = await new Promise<{ status: string }>((resolve, reject) => health.check({ service }, (e, r) => (e ? reject(e) : resolve(r))));
        expect(answer.status, `health of '${service}'`).toBe("SERVING");
      }
    } finally {
      health.close();
    }
  });

  it("lists its services and serves their descriptors through reflection", async () => {
    const reflection = clientOf<ReflectionClient>(REFLECTION_PROTO, ["grpc", "reflection", "v1", "ServerReflection"], address);
    try {
      const stream = reflection.serverReflectionInfo();
      const answers: Array<Record<string, unknown>> = [];
      const done = new Promise<void>((resolve, reject) => {
        stream.on("data", (answer: Record<string, unknown>) => {
          answers.push(answer);
          if (answers.length === 2) stream.end();
        });
        stream.on("end", resolve);
        stream.on("error", reject);
      });
      stream.write({ listServices: "*" });
      stream.write({ fileContainingSymbol: "cghost.v1.HostService" });
      await done;
      const services = (answers[0]!.listServicesResponse as { service: Array<{ name: string }> }).service.map((s) => s.name);
      expect(services).toEqual(expect.arrayContaining(["cghost.v1.HostService", "grpc.health.v1.Health"]));
      const files = (answers[1]!.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto;
      expect(files.length).toBeGreaterThan(0);
      expect(Buffer.concat(files).toString("latin1")).toContain("CreateConsistencyGroupFromSource");
    } finally {
      reflection.close();
    }
  });

  it("lets buf curl, a generic client without the .proto files, describe and call the front API and health", async () => {
    const socket = address.replace(/^unix:/, "");
    const curl = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--unix-socket", socket, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
        );
      });
    const methods = await curl(["--list-methods", "http://localhost"]);
    expect(methods.stderr).toBe("");
    expect(methods.stdout).toContain("cghost.v1.HostService/CreateConsistencyGroupFromSource");
    // Fields by their .proto names: the descriptors are the compiled files, not proto-loader's.
    const missing = await curl(["-d", '{"volume_id":"00000000-0000-4000-8000-000000000000"}', "http://localhost/cghost.v1.HostService/GetVolume"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/"code":\s*"not_found"/);
    expect(missing.stderr).toContain("volume 00000000-0000-4000-8000-000000000000 does not exist");
    const health = await curl(["-d", "{}", "http://localhost/grpc.health.v1.Health/Check"]);
    expect(health.stderr).toBe("");
    expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });
  });

  it("refuses to watch a group that does not exist, naming it", async () => {
    const client = new HostServiceClient(address, credentials.createInsecure());
    try {
      const missing = "00000000-0000-4000-8000-000000000000";
      const stream = client.watchOperations({ groupId: missing });
      stream.on("data", () => undefined);
      const error = await new Promise<ServiceError>((resolve) => stream.once("error", resolve));
      expect(error.code).toBe(grpcStatus.NOT_FOUND);
      expect(error.details).toBe(`NOT_FOUND: group ${missing} does not exist`);
      expect(error.metadata.get("cghost-error-code")).toEqual(["NOT_FOUND"]);
    } finally {
      client.close();
    }
  });

  it("streams operations to watchers, filtered by group, and ends the streams when stopping", async () => {
    const client = new HostServiceClient(address, credentials.createInsecure());
    try {
      const create = (name: string) =>
        new Promise<{ id: string }>((resolve, reject) =>
          client.createConsistencyGroup({ caller: undefined, name, description: "", volumeTypes: ["standard"] }, (e, r) => (e ? reject(e) : resolve(r.group!))),
        );
      const quiet = await create("not-watched-by-all");
      const all = client.watchOperations({ groupId: "" });
      const other = client.watchOperations({ groupId: quiet.id });
      const events: OperationEvent[] = [];
      const otherEvents: OperationEvent[] = [];
      all.on("data", (r: WatchOperationsResponse) => r.event && events.push(r.event));
      other.on("data", (r: WatchOperationsResponse) => r.event && otherEvents.push(r.event));
      const ended = (stream: typeof all) =>
        new Promise<number>((resolve) => stream.on("status", (s: { code: number }) => resolve(s.code)));
      const allEnded = ended(all);
      const otherEnded = ended(other);
      // A stream is open once the server sent its headers.
      await Promise.all([all, other].map((s) => new Promise((resolve) => s.once("metadata", resolve))));

      const created = await create("watched");
      await new Promise<void>((resolve) => (events.length > 0 ? resolve() : all.once("data", () => resolve())));
      expect(events[0]).toMatchObject({
        operation: "create_group",
        groupId: created.id,
        ok: true,
        ruleId: expect.stringMatching(/^R1\./),
        written: [{ kind: "group", id: created.id, status: "available" }],
      });

      const stopping = serve!.stop("SIGTERM");
      expect(await allEnded).toBe(0);
      expect(await otherEnded).toBe(0);
      expect(otherEvents).toEqual([]);
      expect((await stopping).code).toBe(0);
    } finally {
      client.close();
    }
  });
});
