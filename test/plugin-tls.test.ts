// TCP to a plugin is mutual TLS or an explicit, logged `insecure`: a launched child over TCP gets
// ephemeral certificates in memory (never in a file) and refuses any client but its host; a
// sidecar is configured from PEM files and refuses a host from another CA, and the host refuses a
// plugin from another CA; plaintext TCP without `insecure` is refused on both ends, naming the fix.
import { readdirSync, readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, status, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { pino, type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateConsistencyGroupRequest, PluginServiceClient } from "../host/contract.js";
import { createEphemeralTls, type EphemeralTls } from "../host/plugin/ephemeral-tls.js";
import { parseHandshakeLine } from "../host/plugin/handshake.js";
import { connectPlugin, launchPlugin, PluginLaunchError, type PluginClient } from "../host/plugin/index.js";
import { serve, ServeSecurityError, type Driver, type ServingPlugin } from "../plugin-sdk/index.js";
import { readLaunchEnvironment } from "../plugin-sdk/launch-environment.js";
import { SCRIPTED_DRIVER } from "./support/host-harness.js";

// Every process warning of this test file's process (vitest runs each file in its own): a TLS
// server name that is an IP address makes Node warn (DEP0123), once per process.
const warnings: Error[] = [];
process.on("warning", (warning) => warnings.push(warning));

const realTmp = tmpdir();
let privateTmp: string;
let clients: PluginClient[];
let servers: ServingPlugin[];
let rawClients: PluginServiceClient[];

beforeEach(() => {
  // This test's own TMPDIR: what the launcher leaves there is what this test can inspect.
  privateTmp = mkdtempSync(join(realTmp, "cghost-tls-test-"));
  process.env.TMPDIR = privateTmp;
  clients = [];
  servers = [];
  rawClients = [];
});

afterEach(async () => {
  process.env.TMPDIR = realTmp;
  for (const client of rawClients) client.close();
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(servers.map((s) => s.stop()));
  rmSync(privateTmp, { recursive: true, force: true });
});

type LogLine = Record<string, unknown>;

function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: pino({ level: "debug" }, { write: (text: string) => void lines.push(JSON.parse(text) as LogLine) }), lines };
}

const createGroup = CreateConsistencyGroupRequest.fromPartial({ operationId: "op-tls" });

/** Launches the compiled scripted driver (which answers `{}`) as a child over TCP with mutual TLS. */
async function launchOverTcp(logger?: Logger): Promise<PluginClient> {
  const script = join(privateTmp, "script.json");
  writeFileSync(script, "{}");
  const plugin = await launchPlugin({
    command: process.execPath,
    args: [SCRIPTED_DRIVER],
    env: { CGHOST_SCRIPT: script, CGHOST_CALLS: join(privateTmp, "calls.jsonl") },
    transport: "tcp",
    ...(logger ? { logger } : {}),
  });
  clients.push(plugin);
  return plugin;
}

/** A variable of a running process's initial environment (readable by the same user only). */
function environmentOf(pid: number, name: string): string {
  const entry = readFileSync(`/proc/${pid}/environ`, "utf8")
    .split("\0")
    .find((e) => e.startsWith(`${name}=`));
  if (entry === undefined) throw new Error(`process ${pid} was not started with ${name}`);
  return entry.slice(name.length + 1);
}

/** Calls GetPluginInfo with a raw grpc-js client; resolves with the error, or undefined when it answered. */
function getPluginInfoError(address: string, channelCredentials: ChannelCredentials, options: object = {}): Promise<ServiceError | undefined> {
  const client = new PluginServiceClient(address, channelCredentials, options);
  rawClients.push(client);
  return new Promise((resolve) => {
    client.getPluginInfo({}, new Metadata(), { deadline: Date.now() + 20_000 }, (error) => resolve(error ?? undefined));
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const driver: Driver = {
  name: "tls-test-driver",
  vendorVersion: "1.0.0",
  createConsistencyGroup: () => ({}),
};

/** Writes one certificate set as PEM files into a private directory; returns their paths. */
function writePems(tls: EphemeralTls, name: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const dir = mkdtempSync(join(privateTmp, `pems-${name}-`));
  const paths = {
    ca: join(dir, "ca.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
  };
  writeFileSync(paths.ca, tls.ca);
  writeFileSync(paths.serverCert, tls.server.cert);
  writeFileSync(paths.serverKey, tls.server.key, { mode: 0o600 });
  writeFileSync(paths.clientCert, tls.client.cert);
  writeFileSync(paths.clientKey, tls.client.key, { mode: 0o600 });
  return paths;
}

/** Serves the in-process driver as a TCP sidecar on loopback with `options`; remembers it for cleanup. */
async function sidecar(options: Parameters<typeof serve>[1]): Promise<ServingPlugin> {
  const plugin = await serve(driver, { address: "127.0.0.1:0", handleSignals: false, logger: pino({ level: "silent" }), shutdownGraceMs: 200, ...options });
  servers.push(plugin);
  return plugin;
}

describe("a launched child over TCP with automatic mutual TLS", () => {
  it("answers its host end to end on 127.0.0.1, with no certificate or key written anywhere", async () => {
    const plugin = await launchOverTcp();
    expect(plugin.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(plugin.info.name).toBe("scripted-driver");
    expect(plugin.capabilities.operations).toContain("create_group");
    expect(await plugin.probe({ deadlineMs: 10_000 })).toEqual({ ready: true, message: "" });
    expect(await plugin.call("create_group", createGroup, { deadlineMs: 10_000, requestId: "req-tls" })).toMatchObject({ kind: "returned" });
    // The launch's private directory (under this test's TMPDIR) holds no PEM of any kind.
    for (const file of filesUnder(privateTmp)) expect(readFileSync(file, "utf8"), file).not.toContain("-----BEGIN");
  });

  it("refuses a client that trusts its CA but has no client certificate, and a plaintext client", async () => {
    const plugin = await launchOverTcp();
    // The CA is public; the host's client key never leaves the host's memory.
    const ca = Buffer.from(environmentOf(plugin.pid!, "CGHOST_PLUGIN_TLS_CA"));
    const nameOverride = { "grpc.ssl_target_name_override": "localhost" };

    const noClientCert = await getPluginInfoError(plugin.address, credentials.createSsl(ca), nameOverride);
    expect(noClientCert?.code).toBe(status.UNAVAILABLE);

    const plaintext = await getPluginInfoError(plugin.address, credentials.createInsecure());
    expect(plaintext?.code).toBe(status.UNAVAILABLE);

    // A client certificate from another CA is refused too.
    const other = await createEphemeralTls();
    const foreign = await getPluginInfoError(
      plugin.address,
      credentials.createSsl(ca, Buffer.from(other.client.key), Buffer.from(other.client.cert)),
      nameOverride,
    );
    expect(foreign?.code).toBe(status.UNAVAILABLE);

    // The host's own connection still works after the refusals.
    expect(await plugin.call("create_group", createGroup, { deadlineMs: 10_000 })).toMatchObject({ kind: "returned" });
  });

  it("refuses a handshake line with a non-loopback or Unix address for a TCP launch", () => {
    const line = (address: string): string => JSON.stringify({ cghost_handshake: 1, nonce: "n", address, contract_versions: ["v1"] });
    expect(parseHandshakeLine(line("127.0.0.1:4242"), { nonce: "n", transport: "tcp" }).address).toBe("127.0.0.1:4242");
    for (const address of ["0.0.0.0:4242", "10.1.2.3:4242", "localhost:4242", "127.0.0.1:0", "127.0.0.1:70000", "unix:///tmp/x.sock"]) {
      expect(() => parseHandshakeLine(line(address), { nonce: "n", transport: "tcp" }), address).toThrow(/address must be "127\.0\.0\.1:PORT"/);
    }
  });
});

describe("the SDK's reading of a TCP launch's environment", () => {
  const base = { CGHOST_PLUGIN_NONCE: "n", CGHOST_HANDSHAKE_FD: "3", CGHOST_CONTRACT_VERSIONS: "v1" };
  const tls = { CGHOST_PLUGIN_TLS_CERT: "cert-pem", CGHOST_PLUGIN_TLS_KEY: "key-pem", CGHOST_PLUGIN_TLS_CA: "ca-pem" };

  it("listens on 127.0.0.1:0 with the three PEMs; empty variables count as unset", () => {
    expect(readLaunchEnvironment({ ...base, ...tls, CGHOST_PLUGIN_SOCKET: "" })).toEqual({
      address: "127.0.0.1:0",
      tls: { cert: "cert-pem", key: "key-pem", ca: "ca-pem" },
      handshakeFd: 3,
      nonce: "n",
      hostContractVersions: ["v1"],
    });
    expect(readLaunchEnvironment({ ...base, CGHOST_PLUGIN_SOCKET: "/tmp/p.sock", CGHOST_PLUGIN_TLS_CERT: "" })?.tls).toBeUndefined();
  });

  it("refuses a socket and TLS together, and an incomplete TLS set", () => {
    expect(() => readLaunchEnvironment({ ...base, ...tls, CGHOST_PLUGIN_SOCKET: "/tmp/p.sock" })).toThrow(/both CGHOST_PLUGIN_SOCKET and CGHOST_PLUGIN_TLS_CERT/);
    expect(() => readLaunchEnvironment({ ...base, ...tls, CGHOST_PLUGIN_TLS_KEY: "" })).toThrow(/CGHOST_PLUGIN_TLS_KEY is not/);
    expect(() => readLaunchEnvironment({ ...tls })).toThrow(/CGHOST_PLUGIN_TLS_CERT is set but CGHOST_PLUGIN_NONCE is not/);
  });
});

describe("a sidecar over TCP with file-configured mutual TLS", () => {
  it("connects with the right CA and client certificate, and calls it", async () => {
    const pems = writePems(await createEphemeralTls(), "good");
    const plugin = await sidecar({ tls: { caFile: pems.ca, certFile: pems.serverCert, keyFile: pems.serverKey } });
    // The sidecar's certificate names localhost and 127.0.0.1: dialling 127.0.0.1 checks the IP.
    const client = await connectPlugin({ address: plugin.address, tls: { caFile: pems.ca, certFile: pems.clientCert, keyFile: pems.clientKey } });
    clients.push(client);
    expect(client.info.name).toBe("tls-test-driver");
    expect(await client.call("create_group", createGroup, { deadlineMs: 10_000 })).toMatchObject({ kind: "returned" });
  });

  it("sends no IP address as the TLS server name (no DEP0123), and still checks the certificate against the IP dialled", async () => {
    const pems = writePems(await createEphemeralTls(), "ip");
    const serverTls = { caFile: pems.ca, certFile: pems.serverCert, keyFile: pems.serverKey };
    const tls = { caFile: pems.ca, certFile: pems.clientCert, keyFile: pems.clientKey };
    // The certificate names 127.0.0.1 (and localhost), not 127.0.0.2: both are this machine.
    const named = await sidecar({ tls: serverTls });
    const client = await connectPlugin({ address: named.address, tls });
    clients.push(client);
    expect(await client.call("create_group", createGroup, { deadlineMs: 10_000 })).toMatchObject({ kind: "returned" });
    const other = await sidecar({ address: "127.0.0.2:0", tls: serverTls });
    const refused = await connectPlugin({ address: other.address, tls, connectTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "PLUGIN_CONNECT_FAILED" });
    expect((refused as Error).message).toContain("IP: 127.0.0.2 is not in the cert's list");
    expect(warnings.filter((w) => (w as { code?: string }).code === "DEP0123")).toEqual([]);
  });

  it("checks serverName when given: the certificate must carry it", async () => {
    const pems = writePems(await createEphemeralTls(), "name");
    const plugin = await sidecar({ tls: { caFile: pems.ca, certFile: pems.serverCert, keyFile: pems.serverKey } });
    const tls = { caFile: pems.ca, certFile: pems.clientCert, keyFile: pems.clientKey };
    const named = await connectPlugin({ address: plugin.address, tls: { ...tls, serverName: "localhost" } });
    clients.push(named);
    expect(named.info.name).toBe("tls-test-driver");
    const misnamed = await connectPlugin({ address: plugin.address, tls: { ...tls, serverName: "driver.example" }, connectTimeoutMs: 1500 }).catch((e: unknown) => e);
    expect(misnamed).toMatchObject({ code: "PLUGIN_CONNECT_FAILED" });
    expect((misnamed as Error).message).toContain("does not match certificate's altnames: Host: driver.example");
  });

  it("the host refuses a plugin whose certificate is from another CA", async () => {
    const good = writePems(await createEphemeralTls(), "good");
    const other = writePems(await createEphemeralTls(), "other");
    const plugin = await sidecar({ tls: { caFile: good.ca, certFile: good.serverCert, keyFile: good.serverKey } });
    const error = await connectPlugin({
      address: plugin.address,
      tls: { caFile: other.ca, certFile: other.clientCert, keyFile: other.clientKey },
      connectTimeoutMs: 1500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_CONNECT_FAILED");
    expect((error as PluginLaunchError).message).toContain("over TLS, also check");
    // The TLS failure itself, not only "could not connect": a wrong CA is not a plugin that is down.
    expect((error as PluginLaunchError).message).toMatch(/the last attempt failed: .*certificate/);
  });

  it("the plugin refuses a host whose client certificate is from another CA", async () => {
    const good = writePems(await createEphemeralTls(), "good");
    const other = writePems(await createEphemeralTls(), "other");
    const plugin = await sidecar({ tls: { caFile: good.ca, certFile: good.serverCert, keyFile: good.serverKey } });
    const error = await connectPlugin({
      address: plugin.address,
      // Trusts the plugin, but presents a certificate the plugin does not trust.
      tls: { caFile: good.ca, certFile: other.clientCert, keyFile: other.clientKey },
      connectTimeoutMs: 1500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLaunchError);
    // With TLS 1.3 the client may see its handshake complete before the server refuses the
    // certificate: then the first start-up call fails instead of the connect.
    expect(["PLUGIN_CONNECT_FAILED", "PLUGIN_STARTUP_CALL_FAILED"]).toContain((error as PluginLaunchError).code);
  });

  it("names a TLS file that cannot be read, before dialling", async () => {
    const pems = writePems(await createEphemeralTls(), "good");
    const missing = join(privateTmp, "no-such-ca.pem");
    await expect(connectPlugin({ address: "127.0.0.1:1", tls: { caFile: missing, certFile: pems.clientCert, keyFile: pems.clientKey } })).rejects.toMatchObject({
      code: "PLUGIN_TLS_FILES_INVALID",
      message: expect.stringContaining(`cannot read tls.caFile ${missing}`),
    });
    // A key that is not the certificate's.
    await expect(connectPlugin({ address: "127.0.0.1:1", tls: { caFile: pems.ca, certFile: pems.clientCert, keyFile: pems.serverKey } })).rejects.toMatchObject({
      code: "PLUGIN_TLS_FILES_INVALID",
      message: expect.stringContaining("not usable together"),
    });
  });
});

describe("plaintext TCP only when asked for", () => {
  it("refuses a TCP sidecar address with neither tls nor insecure, saying what to add", async () => {
    const error = await connectPlugin({ address: "127.0.0.1:7070" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_OPTIONS_INVALID");
    expect((error as PluginLaunchError).message).toContain("plugin at 127.0.0.1:7070: 127.0.0.1:7070 is a TCP address, which needs mutual TLS");
    expect((error as PluginLaunchError).message).toContain("tls: { caFile, certFile, keyFile }");
    expect((error as PluginLaunchError).message).toContain("insecure: true");
  });

  it("refuses tls and insecure together, and tls on a unix:// address", async () => {
    const tls = { caFile: "/a", certFile: "/b", keyFile: "/c" };
    await expect(connectPlugin({ address: "127.0.0.1:7070", tls, insecure: true })).rejects.toThrow(/tls and insecure exclude each other/);
    await expect(connectPlugin({ address: "unix:///tmp/x.sock", tls })).rejects.toThrow(/tls applies to host:port addresses only/);
  });

  it("connects in plaintext with insecure: true, logging a warning that names the address, on both ends", async () => {
    const pluginLog = memoryLogger();
    const plugin = await sidecar({ insecure: true, logger: pluginLog.logger });
    const hostLog = memoryLogger();
    const client = await connectPlugin({ address: plugin.address, insecure: true, logger: hostLog.logger });
    clients.push(client);
    expect(await client.call("create_group", createGroup, { deadlineMs: 10_000 })).toMatchObject({ kind: "returned" });
    const warning = hostLog.lines.find((l) => l.level === 40 && String(l.msg).includes("plaintext TCP"));
    expect(warning).toMatchObject({ address: plugin.address });
    expect(String(warning?.msg)).toContain(plugin.address);
    // The plugin warns before it binds, so it names the address it was given (port 0 here).
    expect(pluginLog.lines.some((l) => l.level === 40 && String(l.msg).includes("serving plaintext TCP on 127.0.0.1:0"))).toBe(true);
  });

  it("the SDK refuses to serve plaintext TCP without insecure, and tls with insecure", async () => {
    await expect(serve(driver, { address: "127.0.0.1:0", handleSignals: false, logger: pino({ level: "silent" }) })).rejects.toThrow(ServeSecurityError);
    await expect(serve(driver, { address: "127.0.0.1:0", handleSignals: false, logger: pino({ level: "silent" }) })).rejects.toThrow(
      /127\.0\.0\.1:0 is a TCP address, which needs mutual TLS: pass tls: \{ caFile, certFile, keyFile \}.*or insecure: true/,
    );
    await expect(
      serve(driver, { address: "127.0.0.1:0", handleSignals: false, insecure: true, tls: { caFile: "/a", certFile: "/b", keyFile: "/c" } }),
    ).rejects.toThrow(/exclude each other/);
  });

  it("a TLS sidecar refuses a plaintext host (insecure: true against TLS fails to start)", async () => {
    const pems = writePems(await createEphemeralTls(), "good");
    const plugin = await sidecar({ tls: { caFile: pems.ca, certFile: pems.serverCert, keyFile: pems.serverKey } });
    await expect(connectPlugin({ address: plugin.address, insecure: true, connectTimeoutMs: 1500 })).rejects.toBeInstanceOf(PluginLaunchError);
    expect((await getPluginInfoError(plugin.address, credentials.createInsecure()))?.code).toBe(status.UNAVAILABLE);
  });
});
