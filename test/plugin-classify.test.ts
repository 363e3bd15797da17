// Transport classification (RULES.md section 8): the table for every gRPC code, then the same
// outcomes end to end from a real plugin process: a deadline passed, an answer over the size
// limit, a driver failure with its own code, a plugin that died.
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateConsistencyGroupRequest, DeleteConsistencyGroupRequest } from "../host/contract.js";
import { classifyFailure, launchPlugin, type FailureClass, type LaunchOptions, type PluginClient } from "../host/plugin/index.js";

const FIXTURE = join(import.meta.dirname, "drivers", "handshake-fixture.mjs");
const context = { maxMessageBytes: 65536, method: "CreateConsistencyGroup", deadlineMs: 250 };

function grpcError(code: GrpcStatus, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe("classifyFailure: the table, one row per gRPC code", () => {
  // Every non-OK code, with the host code and class RULES.md section 8 gives it.
  const table: Array<[GrpcStatus, string, string, FailureClass]> = [
    [GrpcStatus.CANCELLED, "Call cancelled", "TRANSPORT_FAILED", "uncertain"],
    [GrpcStatus.UNKNOWN, "boom", "DRIVER_FAILED", "final"],
    [GrpcStatus.INVALID_ARGUMENT, "bad volume type", "DRIVER_FAILED", "final"],
    [GrpcStatus.DEADLINE_EXCEEDED, "Deadline exceeded after 0.250s", "DEADLINE_EXCEEDED", "uncertain"],
    [GrpcStatus.NOT_FOUND, "no such pool", "DRIVER_FAILED", "final"],
    [GrpcStatus.ALREADY_EXISTS, "exists", "DRIVER_FAILED", "final"],
    [GrpcStatus.PERMISSION_DENIED, "denied", "DRIVER_FAILED", "final"],
    [GrpcStatus.RESOURCE_EXHAUSTED, "backend quota of 10 groups reached", "DRIVER_FAILED", "final"],
    [GrpcStatus.FAILED_PRECONDITION, "array offline", "DRIVER_FAILED", "final"],
    [GrpcStatus.ABORTED, "conflict on the array, retry", "DRIVER_ABORTED", "uncertain"],
    [GrpcStatus.OUT_OF_RANGE, "too many volumes", "DRIVER_FAILED", "final"],
    [GrpcStatus.UNIMPLEMENTED, "The server does not implement the method", "UNIMPLEMENTED", "final"],
    [GrpcStatus.INTERNAL, "driver bug", "DRIVER_FAILED", "final"],
    [GrpcStatus.UNAVAILABLE, "Connection dropped", "TRANSPORT_FAILED", "uncertain"],
    [GrpcStatus.DATA_LOSS, "lost", "DRIVER_FAILED", "final"],
    [GrpcStatus.UNAUTHENTICATED, "who are you", "DRIVER_FAILED", "final"],
  ];

  it("covers every non-OK gRPC code", () => {
    const codes = Object.values(GrpcStatus).filter((v): v is number => typeof v === "number" && v !== GrpcStatus.OK);
    expect(table.map(([code]) => code).sort((a, b) => a - b)).toEqual(codes.sort((a, b) => a - b));
  });

  it.each(table)("code %i (%s) -> %s, %s", (code, details, hostCode, failureClass) => {
    const { failure, class: got } = classifyFailure(grpcError(code, details), context);
    expect(failure.code).toBe(hostCode);
    expect(failure.grpcCode).toBe(code);
    expect(failure.message).toContain(details);
    expect(got).toBe(failureClass);
  });

  it("DRIVER_FAILED keeps the plugin's message as it is, and names the code when there is none", () => {
    expect(classifyFailure(grpcError(GrpcStatus.INTERNAL, "array offline"), context).failure.message).toBe("array offline");
    expect(classifyFailure(grpcError(GrpcStatus.NOT_FOUND, ""), context).failure.message).toContain("NOT_FOUND and no message");
  });

  it("DEADLINE_EXCEEDED names the method and the deadline", () => {
    const { failure } = classifyFailure(grpcError(GrpcStatus.DEADLINE_EXCEEDED, "Deadline exceeded"), context);
    expect(failure.message).toContain("the plugin did not answer CreateConsistencyGroup within its deadline of 250 ms");
  });

  it("UNAVAILABLE before any connection existed is never-sent; after sending it is uncertain", () => {
    for (const details of [
      "No connection established. Last error: Error: connect ENOENT /tmp/x/plugin.sock",
      "Channel closed before call started",
      "Failed to connect",
    ]) {
      expect(classifyFailure(grpcError(GrpcStatus.UNAVAILABLE, details), context)).toMatchObject({
        class: "never-sent",
        failure: { code: "TRANSPORT_FAILED" },
      });
    }
    expect(classifyFailure(grpcError(GrpcStatus.UNAVAILABLE, "Connection dropped"), context).class).toBe("uncertain");
  });

  it("drops grpc-js's empty 'Resolution note: ' from the message it keeps", () => {
    const details = "No connection established. Last error: Error: connect ECONNREFUSED /tmp/x/plugin.sock. Resolution note: ";
    const { failure } = classifyFailure(grpcError(GrpcStatus.UNAVAILABLE, details), context);
    expect(failure.message).toMatch(/connect ECONNREFUSED \/tmp\/x\/plugin\.sock$/);
  });

  it("RESOURCE_EXHAUSTED over a size limit, either direction, is MESSAGE_TOO_LARGE naming the configured limit", () => {
    for (const details of [
      "Received message larger than max (262158 vs 65536)",
      "Attempted to send message with a size larger than 65536",
      "Received message that decompresses to a size larger than 65536",
    ]) {
      const { failure, class: got } = classifyFailure(grpcError(GrpcStatus.RESOURCE_EXHAUSTED, details), context);
      expect(failure.code).toBe("MESSAGE_TOO_LARGE");
      expect(failure.message).toContain("the host's is 65536 bytes, maxMessageBytes");
      expect(failure.message).toContain(details);
      expect(got).toBe("final");
    }
  });

  it("an error that is not a gRPC status (thrown before sending) is TRANSPORT_FAILED, never-sent", () => {
    for (const thrown of [new Error("Channel has been shut down"), "a string", Object.assign(new Error("refused"), { code: "ECONNREFUSED" })]) {
      const { failure, class: got } = classifyFailure(thrown, context);
      expect(failure.code).toBe("TRANSPORT_FAILED");
      expect(failure.grpcCode).toBeUndefined();
      expect(got).toBe("never-sent");
    }
  });
});

describe("classification end to end, from a real plugin", () => {
  const realTmp = tmpdir();
  let privateTmp: string;
  let clients: PluginClient[];

  beforeEach(() => {
    privateTmp = mkdtempSync(join(realTmp, "cghost-classify-test-"));
    process.env.TMPDIR = privateTmp;
    clients = [];
  });

  afterEach(async () => {
    process.env.TMPDIR = realTmp;
    await Promise.allSettled(clients.map((c) => c.close()));
    rmSync(privateTmp, { recursive: true, force: true });
  });

  async function launchFixture(env: Record<string, string>, options: Partial<LaunchOptions> = {}): Promise<PluginClient> {
    const client = await launchPlugin({ command: process.execPath, args: [FIXTURE], env, ...options });
    clients.push(client);
    return client;
  }

  const request = CreateConsistencyGroupRequest.fromPartial({ operationId: "op-1" });

  it("DEADLINE_EXCEEDED when the driver answers after the deadline", async () => {
    const plugin = await launchFixture({ FIXTURE_MODE: "slow-call" });
    const outcome = await plugin.call("create_group", request, { deadlineMs: 200, requestId: "r1" });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "DEADLINE_EXCEEDED", grpcCode: GrpcStatus.DEADLINE_EXCEEDED } });
  });

  it("MESSAGE_TOO_LARGE when the answer exceeds a small maxMessageBytes, naming the limit", async () => {
    const plugin = await launchFixture({ FIXTURE_MODE: "big-answer", FIXTURE_BYTES: String(256 * 1024) }, { maxMessageBytes: 64 * 1024 });
    const outcome = await plugin.call("create_group", request, { deadlineMs: 5000 });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "MESSAGE_TOO_LARGE", grpcCode: GrpcStatus.RESOURCE_EXHAUSTED } });
    expect(outcome.kind === "raised" && outcome.failure.message).toContain("65536 bytes");
    // A small answer on the same connection still goes through: the limit refused one message.
    expect(await plugin.call("delete_group", DeleteConsistencyGroupRequest.fromPartial({ operationId: "op-2" }), { deadlineMs: 5000 })).toMatchObject({
      kind: "returned",
    });
  });

  it("DRIVER_FAILED with the plugin's own code and message", async () => {
    const plugin = await launchFixture({
      FIXTURE_MODE: "fail",
      FIXTURE_CODE: String(GrpcStatus.FAILED_PRECONDITION),
      FIXTURE_MESSAGE: "array offline",
    });
    const outcome = await plugin.call("create_group", request, { deadlineMs: 5000 });
    expect(outcome).toEqual({
      kind: "raised",
      failure: { code: "DRIVER_FAILED", grpcCode: GrpcStatus.FAILED_PRECONDITION, message: "array offline" },
    });
  });

  it("DRIVER_ABORTED when the plugin answers ABORTED", async () => {
    const plugin = await launchFixture({ FIXTURE_MODE: "fail", FIXTURE_CODE: String(GrpcStatus.ABORTED), FIXTURE_MESSAGE: "busy" });
    expect(await plugin.call("create_group", request, { deadlineMs: 5000 })).toMatchObject({
      kind: "raised",
      failure: { code: "DRIVER_ABORTED", grpcCode: GrpcStatus.ABORTED },
    });
  });

  it("TRANSPORT_FAILED once the plugin process is gone; the call still resolves", async () => {
    const plugin = await launchFixture({ FIXTURE_MODE: "ok" });
    process.kill(plugin.pid!, "SIGKILL");
    const outcome = await plugin.call("create_group", request, { deadlineMs: 5000 });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "TRANSPORT_FAILED", grpcCode: GrpcStatus.UNAVAILABLE } });
  });
});
