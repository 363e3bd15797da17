// A tiny plugin for the host's launch, handshake and transport tests, in plain JavaScript on
// @grpc/grpc-js and @grpc/proto-loader only (no SDK, no generated code): it is what a driver
// author in any language writes from proto/README.md. Behaviour is chosen by environment:
//
//   FIXTURE_MODE     ok (default) | wrong-nonce | no-handshake | exit-early | garbage-stdout |
//                    contract-v9 | ignore-sigterm | ignore-lifeline | slow-call | big-answer |
//                    fail | bad-capabilities
//   FIXTURE_ADDRESS  run as a sidecar: listen here (`unix:///abs/path` or `127.0.0.1:0`) instead of
//                    $CGHOST_PLUGIN_SOCKET, skip the handshake, and print {"listening": address}
//   FIXTURE_HANDSHAKE_VERSIONS  contract versions in the handshake line (default `v1`)
//   FIXTURE_CODE, FIXTURE_MESSAGE  the gRPC status of driver calls in mode `fail`
//   FIXTURE_BYTES    the size of the answer in mode `big-answer` (default 256 KiB)
//   FIXTURE_PID_FILE written with the pid at start, so a test can check the process is gone
//                    even when the launch failed before the host learnt anything
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Socket } from "node:net";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";

const mode = process.env.FIXTURE_MODE ?? "ok";
const sidecarAddress = process.env.FIXTURE_ADDRESS;
if (process.env.FIXTURE_PID_FILE) writeFileSync(process.env.FIXTURE_PID_FILE, String(process.pid));
// Plain text, so a failed launch has a stderr line to quote.
process.stderr.write(`fixture: starting in mode ${mode}\n`);

const protoRoot = join(import.meta.dirname, "..", "..", "proto");

const definition = protoLoader.loadSync(["cgdriver/v1/driver.proto", "cgdriver/v1/plugin.proto"], {
  includeDirs: [protoRoot],
  keepCase: true,
  enums: String,
  defaults: true,
  oneofs: true,
});
const v1 = grpc.loadPackageDefinition(definition).cgdriver.v1;

function log(msg, fields = {}) {
  process.stderr.write(`${JSON.stringify({ level: "info", msg, ...fields })}\n`);
}

// Plugin identity, capabilities and readiness.
const pluginService = {
  GetPluginInfo: (_call, done) =>
    done(null, { name: "handshake-fixture", vendor_version: "0.0.1", contract_versions: mode === "contract-v9" ? ["v9"] : ["v1"] }),
  GetCapabilities: (_call, done) =>
    done(
      null,
      mode === "bad-capabilities"
        ? { operations: ["OPERATION_UNSPECIFIED"], create_from_source_kinds: [] }
        : {
            operations: [
              "OPERATION_CREATE_CONSISTENCY_GROUP",
              "OPERATION_CREATE_CONSISTENCY_GROUP_FROM_SOURCE",
              "OPERATION_DELETE_CONSISTENCY_GROUP",
              "OPERATION_UPDATE_CONSISTENCY_GROUP",
              "OPERATION_CREATE_CG_SNAPSHOT",
              "OPERATION_DELETE_CG_SNAPSHOT",
            ],
            create_from_source_kinds: ["SOURCE_KIND_CG_SNAPSHOT", "SOURCE_KIND_GROUP"],
          },
    ),
  Probe: (_call, done) => done(null, { ready: true, message: "" }),
};

// Every driver RPC behaves the same way; the mode decides how.
function driverCall(method) {
  return (call, done) => {
    const [requestId] = call.metadata.get("x-request-id");
    log(`${method} received`, { requestId: String(requestId ?? ""), operationId: call.request.operation_id });
    if (mode === "slow-call") {
      // Answer never; stop waiting once the host gives up (its deadline cancels the call).
      const timer = setTimeout(() => done(null, {}), 60_000);
      call.on("cancelled", () => clearTimeout(timer));
      return;
    }
    if (mode === "big-answer") {
      const bytes = Number(process.env.FIXTURE_BYTES ?? 256 * 1024);
      done(null, method === "CreateConsistencyGroup" ? { model_update: { provider_location: "x".repeat(bytes) } } : {});
      return;
    }
    if (mode === "fail") {
      done({ code: Number(process.env.FIXTURE_CODE ?? grpc.status.INTERNAL), details: process.env.FIXTURE_MESSAGE ?? "fixture failure" });
      return;
    }
    done(null, {});
  };
}

const driverService = Object.fromEntries(
  Object.keys(v1.ConsistencyGroupDriverService.service).map((method) => [method, driverCall(method)]),
);

const server = new grpc.Server();
server.addService(v1.PluginService.service, pluginService);
server.addService(v1.ConsistencyGroupDriverService.service, driverService);

if (mode === "ignore-sigterm") {
  process.on("SIGTERM", () => log("ignoring SIGTERM"));
} else {
  process.on("SIGTERM", () => {
    server.tryShutdown(() => process.exit(0));
    // A call still in flight must not hold the exit for long.
    setTimeout(() => process.exit(0), 1000).unref();
  });
}

if (mode === "exit-early") {
  process.stderr.write("fixture: cannot reach backend array-7\n");
  process.stderr.write("fixture: giving up (exit-early)\n");
  process.exit(3);
}

const target = sidecarAddress ?? `unix://${process.env.CGHOST_PLUGIN_SOCKET}`;
if (mode === "garbage-stdout") process.stdout.write('{"cghost_handshake": 1, "nonce": "on stdout: ignored"}\nsome junk \x00\x01\n');

server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`fixture: cannot listen on ${target}: ${error.message}\n`);
    process.exit(2);
  }
  if (sidecarAddress) {
    const address = sidecarAddress.startsWith("unix:") ? sidecarAddress : sidecarAddress.replace(/:0$/, `:${port}`);
    process.stdout.write(`${JSON.stringify({ listening: address })}\n`);
    return;
  }
  handshake();
});

function handshake() {
  const fd = Number(process.env.CGHOST_HANDSHAKE_FD);
  const lifeline = new Socket({ fd, readable: true, writable: true });
  // The lifeline: end-of-file means the host is gone, so stop.
  lifeline.on("end", () => {
    if (mode === "ignore-lifeline") return;
    log("lifeline closed; exiting");
    process.exit(0);
  });
  lifeline.on("error", () => undefined);
  lifeline.resume();
  if (mode === "no-handshake") return;
  const line = {
    cghost_handshake: 1,
    nonce: mode === "wrong-nonce" ? "not-the-nonce" : process.env.CGHOST_PLUGIN_NONCE,
    address: target,
    contract_versions: (process.env.FIXTURE_HANDSHAKE_VERSIONS ?? "v1").split(","),
    pid: process.pid,
  };
  lifeline.write(`${JSON.stringify(line)}\n`);
  if (mode === "garbage-stdout") process.stdout.write("more junk after the handshake\n");
  log("listening", { address: target });
}
