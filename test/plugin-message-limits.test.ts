// Message size limits hold on both ends and a message over either is reported as
// MESSAGE_TOO_LARGE naming the limit, never as a generic failure: an answer over the host's limit,
// an answer over the plugin's (SDK) limit, a request over either, and through openHost's
// maxMessageBytes to the status rows in the database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateConsistencyGroupRequest } from "../host/contract.js";
import { openHost } from "../host/index.js";
import { connectPlugin, type PluginClient } from "../host/plugin/index.js";
import { serve, type Driver, type ServingPlugin } from "../plugin-sdk/index.js";

const KiB = 1024;
let dir: string;
let plugin: ServingPlugin | undefined;
let client: PluginClient | undefined;
/** The size of the provider location the driver answers with. */
let answerBytes = 0;

const driver: Driver = {
  name: "limits-driver",
  vendorVersion: "1.0.0",
  createConsistencyGroup: () => ({ modelUpdate: { providerLocation: "x".repeat(answerBytes) } }),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cghost-limits-"));
  answerBytes = 0;
});

afterEach(async () => {
  await client?.close();
  await plugin?.stop();
  client = undefined;
  plugin = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { pluginLimit?: number; hostLimit?: number }): Promise<PluginClient> {
  plugin = await serve(driver, {
    address: `unix://${join(dir, "plugin.sock")}`,
    handleSignals: false,
    logger: pino({ level: "silent" }),
    ...(options.pluginLimit ? { maxMessageBytes: options.pluginLimit } : {}),
  });
  client = await connectPlugin({ address: plugin.address, ...(options.hostLimit ? { maxMessageBytes: options.hostLimit } : {}) });
  return client;
}

const request = (descriptionBytes = 0): CreateConsistencyGroupRequest =>
  CreateConsistencyGroupRequest.fromPartial({ operationId: "op-big", group: { id: "g-1", description: "d".repeat(descriptionBytes) } });

describe("message size limits", () => {
  it("an answer over the host's limit is MESSAGE_TOO_LARGE naming the host's limit", async () => {
    const host = await start({ hostLimit: 64 * KiB });
    answerBytes = 256 * KiB;
    const outcome = await host.call("create_group", request(), { deadlineMs: 20_000 });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "MESSAGE_TOO_LARGE" } });
    if (outcome.kind !== "raised") throw new Error("unreachable");
    expect(outcome.failure.message).toContain("the host's is 65536 bytes, maxMessageBytes");
    // Under the limit, the same call answers.
    answerBytes = 16 * KiB;
    expect(await host.call("create_group", request(), { deadlineMs: 20_000 })).toMatchObject({ kind: "returned" });
  });

  it("an answer over the plugin's limit is MESSAGE_TOO_LARGE, the plugin's limit in the message", async () => {
    const host = await start({ pluginLimit: 64 * KiB });
    answerBytes = 256 * KiB;
    const outcome = await host.call("create_group", request(), { deadlineMs: 20_000 });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "MESSAGE_TOO_LARGE" } });
    if (outcome.kind !== "raised") throw new Error("unreachable");
    expect(outcome.failure.message).toContain("65536");
  });

  it("a request over the plugin's limit, or over the host's, is MESSAGE_TOO_LARGE", async () => {
    const small = await start({ pluginLimit: 64 * KiB });
    expect(await small.call("create_group", request(256 * KiB), { deadlineMs: 20_000 })).toMatchObject({
      kind: "raised",
      failure: { code: "MESSAGE_TOO_LARGE" },
    });
    await small.close();
    await plugin!.stop();
    rmSync(join(dir, "plugin.sock"), { force: true });
    const host = await start({ hostLimit: 64 * KiB });
    const outcome = await host.call("create_group", request(256 * KiB), { deadlineMs: 20_000 });
    expect(outcome).toMatchObject({ kind: "raised", failure: { code: "MESSAGE_TOO_LARGE" } });
    if (outcome.kind !== "raised") throw new Error("unreachable");
    expect(outcome.failure.message).toContain("the host's is 65536 bytes");
  });

  it("openHost passes maxMessageBytes to the plugin connection: an oversize answer fails the operation as MESSAGE_TOO_LARGE", async () => {
    plugin = await serve(driver, { address: `unix://${join(dir, "plugin.sock")}`, handleSignals: false, logger: pino({ level: "silent" }) });
    const storePath = join(dir, "cghost.db");
    const host = await openHost({ storePath, plugin: { address: plugin.address }, maxMessageBytes: 64 * KiB });
    try {
      answerBytes = 256 * KiB;
      const error = await host.createGroup({ name: "g", volumeTypes: ["gold"] }).catch((e: unknown) => e as { code: string; failure?: { cause: string } });
      expect(error).toMatchObject({ code: "OPERATION_FAILED", failure: { cause: "MESSAGE_TOO_LARGE" } });
    } finally {
      await host.close();
    }
    const db = new Database(storePath, { readonly: true });
    try {
      expect(db.prepare("SELECT status, last_error FROM groups").all()).toEqual([{ status: "error", last_error: expect.stringContaining("65536") }]);
    } finally {
      db.close();
    }
  });
});
