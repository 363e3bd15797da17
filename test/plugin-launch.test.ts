// Launching and connecting plugins against a real process over real sockets: the handshake of
// proto/README.md, every way a launch fails (typed code, stderr quoted, no process and no
// directory left), stopping (SIGTERM, then SIGKILL after the grace), and sidecars by address.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { pino, type Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CreateConsistencyGroupRequest } from "../host/contract.js";
import { negotiateContract, parseHandshakeLine } from "../host/plugin/handshake.js";
import { launchName } from "../host/plugin/launch.js";
import { connectPlugin, launchPlugin, PluginLaunchError, type LaunchOptions, type PluginClient } from "../host/plugin/index.js";
import { isAlive } from "./support/processes.js";

const FIXTURE = join(import.meta.dirname, "drivers", "handshake-fixture.mjs");

// Each test gets its own TMPDIR, so "no directory left" is "this directory is empty", whatever
// other test files launch at the same time.
const realTmp = tmpdir();
let privateTmp: string;
let clients: PluginClient[];
let sidecars: ChildProcess[];
let pidFiles: string[];
/** The process's 'exit' listeners before the test: launched children not yet stopped share one more. */
let exitListeners: number;

beforeEach(() => {
  exitListeners = process.listenerCount("exit");
  privateTmp = mkdtempSync(join(realTmp, "cghost-launch-test-"));
  process.env.TMPDIR = privateTmp;
  clients = [];
  sidecars = [];
  pidFiles = [];
});

afterEach(async () => {
  process.env.TMPDIR = realTmp;
  await Promise.allSettled(clients.map((c) => c.close()));
  await Promise.allSettled(
    sidecars.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }),
  );
  // A safety net for a launcher bug: nothing should be alive here, but never leave it running.
  for (const file of pidFiles) {
    const pid = readPid(file);
    if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  }
  rmSync(privateTmp, { recursive: true, force: true });
});

type LogLine = Record<string, unknown>;

/** A pino logger whose lines the test can read, or wait for (the plugin's output arrives when it does). */
function memoryLogger(): { logger: Logger; lines: () => LogLine[]; waitFor: (match: (line: LogLine) => boolean) => Promise<LogLine> } {
  const written: LogLine[] = [];
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  const logger = pino(
    { level: "debug" },
    {
      write: (text: string) => {
        const line = JSON.parse(text) as LogLine;
        written.push(line);
        for (const waiter of waiters.filter((w) => w.match(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      },
    },
  );
  const waitFor = (match: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = written.find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  return { logger, lines: () => [...written], waitFor };
}

/** Launches the fixture in `mode`; remembers the client and the pid file for cleanup. */
async function launchFixture(mode: string, options: Partial<LaunchOptions> = {}): Promise<PluginClient> {
  const pidFile = join(realTmp, `cghost-fixture-pid-${process.pid}-${pidFiles.length}-${Date.now()}`);
  pidFiles.push(pidFile);
  const client = await launchPlugin({
    command: process.execPath,
    args: [FIXTURE],
    ...options,
    env: { FIXTURE_MODE: mode, FIXTURE_PID_FILE: pidFile, ...options.env },
  });
  clients.push(client);
  return client;
}

/** Expects a launch to fail; returns its error and the pid the fixture ran as (if it started). */
async function failedLaunch(mode: string, options: Partial<LaunchOptions> = {}): Promise<{ error: PluginLaunchError; pid: number | undefined }> {
  try {
    await launchFixture(mode, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginLaunchError);
    return { error: error as PluginLaunchError, pid: readPid(pidFiles.at(-1)!) };
  }
  throw new Error(`launching the fixture in mode ${mode} succeeded; expected it to fail`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8"));
    rmSync(file, { force: true });
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** What the launcher left in this test's TMPDIR (nothing, once a plugin is gone). */
function leftovers(): string[] {
  return readdirSync(privateTmp);
}

/** Asserts a failed launch left nothing behind: its process is gone (ESRCH), its directory removed, no 'exit' listener. */
function expectCleanedUp(pid: number | undefined): void {
  expect(pid, "the fixture should have started and written its pid").toBeDefined();
  expect(isAlive(pid!)).toBe(false);
  expect(leftovers()).toEqual([]);
  expect(process.listenerCount("exit")).toBe(exitListeners);
}

const createGroup = CreateConsistencyGroupRequest.fromPartial({ operationId: "op-1" });

describe("the handshake line and contract negotiation", () => {
  const expected = { nonce: "n-1", socketPath: "/tmp/cghost-plugin-x/plugin.sock" };
  const good = { cghost_handshake: 1, nonce: "n-1", address: "unix:///tmp/cghost-plugin-x/plugin.sock", contract_versions: ["v1"], pid: 7 };

  it("accepts the line of proto/README.md, pid optional", () => {
    expect(parseHandshakeLine(JSON.stringify(good), expected)).toEqual({ address: good.address, contractVersions: ["v1"], pid: 7 });
    const { pid: _pid, ...withoutPid } = good;
    expect(parseHandshakeLine(JSON.stringify(withoutPid), expected).pid).toBeUndefined();
  });

  it.each([
    ["not JSON", "hello", /not JSON/],
    ["an array", "[1]", /not a JSON object/],
    ["another format", JSON.stringify({ ...good, cghost_handshake: 2 }), /cghost_handshake must be 1, got 2/],
    ["another nonce", JSON.stringify({ ...good, nonce: "n-2" }), /nonce must echo CGHOST_PLUGIN_NONCE, got "n-2"/],
    ["another address", JSON.stringify({ ...good, address: "unix:///elsewhere.sock" }), /address must be "unix:\/\/\/tmp\/cghost-plugin-x\/plugin.sock".*got "unix:\/\/\/elsewhere.sock"/],
    ["a bare path", JSON.stringify({ ...good, address: expected.socketPath }), /address must be/],
    ["versions not a list", JSON.stringify({ ...good, contract_versions: "v1" }), /contract_versions must be a non-empty array of strings, got "v1"/],
    ["versions not strings", JSON.stringify({ ...good, contract_versions: [1] }), /contract_versions must be/],
    ["a bad pid", JSON.stringify({ ...good, pid: "7" }), /pid must be a positive integer/],
  ])("refuses %s with PLUGIN_HANDSHAKE_INVALID, quoting the line", (_what, line, why) => {
    let error: unknown;
    try {
      parseHandshakeLine(line, expected);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_HANDSHAKE_INVALID");
    expect((error as PluginLaunchError).message).toMatch(why);
    expect((error as PluginLaunchError).message).toContain(`the line was ${JSON.stringify(line)}; the plugin must write the line exactly`);
  });

  it("negotiates the highest version both speak, numerically (v10 above v2)", () => {
    expect(negotiateContract(["v1"], ["v1"], "test")).toBe("v1");
    expect(negotiateContract(["v1", "v2"], ["v2", "v1", "v3"], "test")).toBe("v2");
    expect(negotiateContract(["v2", "v10"], ["v10", "v2"], "test")).toBe("v10");
    expect(() => negotiateContract(["v1"], ["v2", "v3"], "GetPluginInfo")).toThrow(
      /PLUGIN_CONTRACT_MISMATCH: the host speaks contract versions \[v1\] and the plugin \(GetPluginInfo\) speaks \[v2, v3\]/,
    );
  });
});

describe("the name a launched plugin's log lines carry before it has said its own", () => {
  it("is its script, with the folder when the script is a generic entry point", () => {
    expect(launchName("/usr/bin/node", ["/srv/cghost/dist/examples/file-driver/main.js", "--data-dir", "/d"])).toBe("file-driver/main.js");
    expect(launchName("/usr/bin/python3", ["examples/python-driver/main.py"])).toBe("python-driver/main.py");
    expect(launchName("/usr/bin/node", ["dist/bench/bench-driver.js"])).toBe("bench-driver.js");
    expect(launchName("/opt/vendor/bin/array-driver")).toBe("array-driver");
    // A runtime flag first: the program is the best name there is.
    expect(launchName("/usr/bin/node", ["--enable-source-maps", "main.js"])).toBe("node");
  });
});

describe("launchPlugin: a successful launch", () => {
  it("gives the plugin's info, capabilities, pid and address, in a 0700 directory, and closes cleanly", async () => {
    const { logger, waitFor } = memoryLogger();
    const plugin = await launchFixture("ok", { logger });

    expect(plugin.info).toEqual({ name: "handshake-fixture", vendorVersion: "0.0.1", contractVersions: ["v1"] });
    expect(plugin.contractVersion).toBe("v1");
    expect(plugin.capabilities.operations).toEqual([
      "create_group",
      "create_group_from_source",
      "delete_group",
      "update_group",
      "create_cgsnapshot",
      "delete_cgsnapshot",
    ]);
    expect(plugin.capabilities.createFromSourceKinds).toEqual(["cgsnapshot", "group"]);
    const pid = plugin.pid!;
    expect(isAlive(pid)).toBe(true);
    // Should this process end without closing it, the launch stops the plugin and removes its directory then.
    expect(process.listenerCount("exit")).toBe(exitListeners + 1);
    expect(plugin.address).toMatch(new RegExp(`^unix://${privateTmp}/cghost-plugin-[^/]+/plugin\\.sock$`));
    const socketDir = dirname(plugin.address.slice("unix://".length));
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    expect(await plugin.probe()).toEqual({ ready: true, message: "" });

    const outcome = await plugin.call("create_group", createGroup, { deadlineMs: 5000, requestId: "req-42" });
    expect(outcome).toMatchObject({ kind: "returned", response: { modelUpdate: undefined } });
    // The plugin's JSON stderr line keeps its level and message; its fields (the x-request-id it saw) travel along.
    const received = await waitFor((l) => l.msg === "CreateConsistencyGroup received");
    expect(received).toMatchObject({ level: 30, pid, stream: "stderr", fields: { requestId: "req-42", operationId: "op-1" } });

    await plugin.close();
    expect(isAlive(pid)).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(process.listenerCount("exit")).toBe(exitListeners);
    await plugin.close(); // idempotent
    const late = await plugin.call("create_group", createGroup, { deadlineMs: 1000 });
    expect(late).toMatchObject({ kind: "raised", failure: { code: "TRANSPORT_FAILED" } });
    expect(await plugin.probe()).toMatchObject({ ready: false });
  });

  it("is not disturbed by anything the plugin prints on stdout, which is logged line by line", async () => {
    const { logger, waitFor } = memoryLogger();
    const plugin = await launchFixture("garbage-stdout", { logger });
    expect(plugin.info.name).toBe("handshake-fixture");
    const fromStdout = (msg: string) => waitFor((l) => l.stream === "stdout" && l.msg === msg);
    await fromStdout("some junk \u0000\u0001");
    await fromStdout("more junk after the handshake");
    // A JSON line on stdout that looks like a handshake is just a log line (it has no msg: logged raw).
    await fromStdout('{"cghost_handshake": 1, "nonce": "on stdout: ignored"}');
  });

  it("stops a plugin that ignores SIGTERM with SIGKILL once the grace period is over", async () => {
    const { logger, lines, waitFor } = memoryLogger();
    const plugin = await launchFixture("ignore-sigterm", { logger, stopGraceMs: 300 });
    const pid = plugin.pid!;
    const started = performance.now();
    await plugin.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(isAlive(pid)).toBe(false);
    expect(leftovers()).toEqual([]);
    // The warning is logged before close() resolves; the plugin's own line arrives when it does.
    expect(lines().some((l) => String(l.msg).includes("sending SIGKILL"))).toBe(true);
    await waitFor((l) => l.msg === "ignoring SIGTERM");
  });

  it("stops a plugin that ignores its lifeline with SIGTERM, without waiting for the grace", async () => {
    const plugin = await launchFixture("ignore-lifeline", { stopGraceMs: 20_000 });
    const pid = plugin.pid!;
    await plugin.close();
    expect(isAlive(pid)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});

describe("launchPlugin: a failed launch names the command, quotes stderr and leaves nothing behind", () => {
  it("PLUGIN_HANDSHAKE_INVALID for a handshake line with another nonce", async () => {
    const { error, pid } = await failedLaunch("wrong-nonce");
    expect(error.code).toBe("PLUGIN_HANDSHAKE_INVALID");
    expect(error.message).toMatch(/^PLUGIN_HANDSHAKE_INVALID: plugin ".*handshake-fixture\.mjs": nonce must echo CGHOST_PLUGIN_NONCE, got "not-the-nonce"/);
    expect(error.message).toContain("fixture: starting in mode wrong-nonce");
    expectCleanedUp(pid);
  });

  it("PLUGIN_HANDSHAKE_TIMEOUT when no line comes in time", async () => {
    // Long enough for the fixture to start and say so on stderr, which the error must quote.
    const { error, pid } = await failedLaunch("no-handshake", { handshakeTimeoutMs: 1500 });
    expect(error.code).toBe("PLUGIN_HANDSHAKE_TIMEOUT");
    expect(error.message).toContain("within 1500 ms");
    expect(error.message).toContain("handshakeTimeoutMs");
    expect(error.stderrTail).toContain("fixture: starting in mode no-handshake");
    expectCleanedUp(pid);
  });

  it("PLUGIN_EXITED when the plugin exits first, with its exit code and last stderr lines", async () => {
    const { error, pid } = await failedLaunch("exit-early");
    expect(error.code).toBe("PLUGIN_EXITED");
    expect(error.message).toContain("exited with code 3 before writing its handshake line");
    expect(error.message).toContain("fixture: cannot reach backend array-7");
    expect(error.stderrTail.at(-1)).toBe("fixture: giving up (exit-early)");
    expectCleanedUp(pid);
  });

  it("PLUGIN_CONTRACT_MISMATCH naming both lists, when GetPluginInfo shares no version with the host", async () => {
    const { error, pid } = await failedLaunch("contract-v9");
    expect(error.code).toBe("PLUGIN_CONTRACT_MISMATCH");
    expect(error.message).toContain("the host speaks contract versions [v1] and the plugin (GetPluginInfo) speaks [v9]");
    expectCleanedUp(pid);
  });

  it("PLUGIN_CONTRACT_MISMATCH when the handshake line already shares no version", async () => {
    const { error, pid } = await failedLaunch("ok", { env: { FIXTURE_HANDSHAKE_VERSIONS: "v7,v9" } });
    expect(error.code).toBe("PLUGIN_CONTRACT_MISMATCH");
    expect(error.message).toContain("[v1] and the plugin (handshake line) speaks [v7, v9]");
    expectCleanedUp(pid);
  });

  it("PLUGIN_CAPABILITIES_INVALID when GetCapabilities declares OPERATION_UNSPECIFIED", async () => {
    const { error, pid } = await failedLaunch("bad-capabilities");
    expect(error.code).toBe("PLUGIN_CAPABILITIES_INVALID");
    expect(error.message).toContain("OPERATION_UNSPECIFIED");
    expectCleanedUp(pid);
  });

  it("PLUGIN_SPAWN_FAILED when the command does not exist", async () => {
    const error = await launchPlugin({ command: join(privateTmp, "no-such-plugin") }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_SPAWN_FAILED");
    expect((error as PluginLaunchError).message).toContain("no-such-plugin");
    expect(leftovers()).toEqual([]);
  });

  it("PLUGIN_OPTIONS_INVALID for an empty command or a non-positive timeout", async () => {
    await expect(launchPlugin({ command: " " })).rejects.toMatchObject({ code: "PLUGIN_OPTIONS_INVALID" });
    await expect(launchPlugin({ command: process.execPath, handshakeTimeoutMs: 0 })).rejects.toThrow(/handshakeTimeoutMs must be a positive number, got 0/);
    expect(leftovers()).toEqual([]);
  });
});

/** Starts the fixture as a sidecar listening on `address`; resolves with the address it reports. */
async function startSidecar(mode: string, address: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, FIXTURE_MODE: mode, FIXTURE_ADDRESS: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  sidecars.push(child);
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`the sidecar fixture exited with ${String(code)} before listening: ${stderr.join("")}`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const parsed = JSON.parse(line) as { listening?: string };
      if (parsed.listening) return parsed.listening;
    }
    throw new Error("the sidecar fixture closed stdout before listening");
  })();
  return { child, address: await Promise.race([listening, exited]) };
}

describe("connectPlugin: a sidecar by address", () => {
  it("connects over plaintext TCP on loopback (host:port, insecure), calls it, and leaves it running on close", async () => {
    const sidecar = await startSidecar("ok", "127.0.0.1:0");
    expect(sidecar.address).toMatch(/^127\.0\.0\.1:\d+$/);
    // The fixture serves plaintext; mutual TLS over TCP is test/plugin-tls.test.ts.
    const plugin = await connectPlugin({ address: sidecar.address, insecure: true });
    clients.push(plugin);
    expect(plugin.info.name).toBe("handshake-fixture");
    expect(plugin.pid).toBeUndefined();
    expect(plugin.address).toBe(sidecar.address);
    expect(await plugin.call("create_group", createGroup, { deadlineMs: 5000, requestId: "r" })).toMatchObject({ kind: "returned" });
    await plugin.close();
    expect(isAlive(sidecar.child.pid!)).toBe(true);
  });

  it("connects over a Unix socket (unix:///abs/path)", async () => {
    const sidecar = await startSidecar("ok", `unix://${join(privateTmp, "sidecar.sock")}`);
    const plugin = await connectPlugin({ address: sidecar.address });
    clients.push(plugin);
    expect(plugin.capabilities.operations).toHaveLength(6);
    expect(await plugin.probe({ deadlineMs: 2000 })).toEqual({ ready: true, message: "" });
  });

  it("PLUGIN_CONTRACT_MISMATCH naming both lists, from GetPluginInfo", async () => {
    const sidecar = await startSidecar("contract-v9", "127.0.0.1:0");
    await expect(connectPlugin({ address: sidecar.address, insecure: true })).rejects.toMatchObject({
      code: "PLUGIN_CONTRACT_MISMATCH",
      message: expect.stringMatching(/^PLUGIN_CONTRACT_MISMATCH: plugin at 127\.0\.0\.1:\d+: .*\[v1\] and the plugin \(GetPluginInfo\) speaks \[v9\]/),
    });
  });

  it("PLUGIN_CONNECT_FAILED when nothing listens there", async () => {
    const address = `unix://${join(privateTmp, "nobody.sock")}`;
    await expect(connectPlugin({ address, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: "PLUGIN_CONNECT_FAILED",
      message: expect.stringContaining(`PLUGIN_CONNECT_FAILED: plugin at ${address}: could not connect within 300 ms`),
    });
  });

  it("PLUGIN_ADDRESS_INVALID for an address of neither form", async () => {
    for (const address of ["unix://relative.sock", "localhost", "127.0.0.1:99999", "http://127.0.0.1:80"]) {
      await expect(connectPlugin({ address })).rejects.toMatchObject({ code: "PLUGIN_ADDRESS_INVALID" });
    }
  });
});
