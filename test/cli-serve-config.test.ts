// The `cghost serve` configuration: sensible defaults with no file, paths relative to the file,
// flags over the file, and every wrong key or value refused with its path, the value and what
// is allowed. Then, as a process: a bad file exits 2, a second server on a served data directory
// exits 3, and an unstartable plugin exits 4 with the plugin's own words.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEADLINES_MS } from "../host/manager/deadlines.js";
import { ConfigError, loadServeConfig } from "../host/cli/serve-config.js";
import { removeDir, runCli, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

let dir: string;
beforeAll(() => {
  dir = temporaryDir("cghost-cfg-");
});
afterAll(() => removeDir(dir));

function load(config: unknown, overrides = {}) {
  return loadServeConfig(writeConfig(dir, config), overrides);
}

function refusal(config: unknown, overrides = {}): string {
  try {
    load(config, overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("the configuration was accepted");
}

describe("serve configuration", () => {
  it("needs no file: SQLite, the file driver and the socket under ./.cghost, metrics on a free loopback port", () => {
    const config = loadServeConfig(undefined, {});
    const dataDir = join(process.cwd(), ".cghost");
    expect(config.dataDir).toBe(dataDir);
    expect(config.store).toEqual({ path: join(dataDir, "cghost.db"), durability: "normal", journalRetentionDays: 7 });
    expect(config.api.address).toBe(`unix:${join(dataDir, "cghost.sock")}`);
    expect(config.metrics).toEqual({ enabled: true, host: "127.0.0.1", port: 0 });
    expect(config.plugin.target).toMatchObject({
      command: process.execPath,
      args: [expect.stringMatching(/file-driver\/file-driver\.mjs$/), "--data-dir", join(dataDir, "file-driver"), "--bytes-per-gb", "1048576"],
      // Its log lines say "file-driver" from the first, not the bundle's file name.
      name: "file-driver",
    });
    expect(config.plugin.deadlinesMs).toEqual({});
    expect(config.shutdownGraceMs).toBe(30_000);
    expect(config.log.level).toBe("info");
  });

  it("resolves relative paths against the file's folder, and flags win over the file", () => {
    const config = load(
      { dataDir: "state", store: { durability: "full", journalRetentionDays: 0.5 }, plugins: [{ command: "./driver.sh", args: ["-v"], cwd: "work", deadlinesMs: { create_group: 5000 } }] },
      { durability: "normal", metricsPort: "9464" },
    );
    expect(config.dataDir).toBe(join(dir, "state"));
    expect(config.store).toEqual({ path: join(dir, "state", "cghost.db"), durability: "normal", journalRetentionDays: 0.5 });
    expect(config.metrics.port).toBe(9464);
    expect(config.plugin.target).toEqual({ command: join(dir, "driver.sh"), args: ["-v"], cwd: join(dir, "work") });
    expect(config.plugin.deadlinesMs).toEqual({ create_group: 5000 });
    expect(Object.keys(DEFAULT_DEADLINES_MS)).toContain("create_group");
  });

  it("takes a sidecar address with mutual TLS (files relative to the config), and a loopback TCP front address", () => {
    const config = load({
      api: { address: "127.0.0.1:0" },
      plugins: [{ address: "10.0.0.5:7000", tls: { caFile: "pki/ca.pem", certFile: "pki/host.pem", keyFile: "/etc/cghost/host.key" } }],
    });
    expect(config.api.address).toBe("127.0.0.1:0");
    expect(config.plugin.target).toEqual({
      address: "10.0.0.5:7000",
      tls: { caFile: join(dir, "pki", "ca.pem"), certFile: join(dir, "pki", "host.pem"), keyFile: "/etc/cghost/host.key" },
    });
    expect(load({ plugins: [{ address: "127.0.0.1:7000", insecure: true }] }).plugin.target).toEqual({ address: "127.0.0.1:7000", insecure: true });
    // A relative socket path is the file's folder's, as for api.address.
    expect(load({ plugins: [{ address: "unix:run/driver.sock" }] }).plugin.target).toEqual({ address: `unix://${join(dir, "run", "driver.sock")}` });
  });

  it("passes supervision and launch settings to the plugin layer", () => {
    const config = load({
      plugins: [{ builtin: "file-driver", transport: "tcp", stopGraceMs: 2000, supervision: { probeIntervalMs: 0, crashLoop: { maxCrashes: 3, windowMs: 10000 } } }],
    });
    expect(config.plugin.target).toMatchObject({ transport: "tcp", stopGraceMs: 2000 });
    expect(config.plugin.supervision).toEqual({ probeIntervalMs: 0, crashLoop: { maxCrashes: 3, windowMs: 10000 } });
  });

  it("refuses what it cannot do, saying what to do instead", () => {
    expect(refusal({ plugin: [] })).toMatch(/unknown key "plugin".*plugins/);
    expect(refusal({ plugins: [{ builtin: "file-driver" }, { address: "127.0.0.1:7000" }] })).toMatch(/one plugin per process.*own dataDir/);
    expect(refusal({ plugins: [{ address: "127.0.0.1:7000", tls: { ca: "ca.pem" } }] })).toMatch(/plugins\[0\]\.tls .* unknown key "ca".*caFile, certFile, keyFile/);
    expect(refusal({ plugins: [{ builtin: "file-driver", tls: { caFile: "a", certFile: "b", keyFile: "c" } }] })).toMatch(/plugins\[0\]\.tls .*applies to "address" plugins, not to "builtin"/);
    expect(refusal({ plugins: [{ command: "x", transport: "udp" }] })).toMatch(/transport .* "udp"; use "unix" .* or "tcp"/);
    expect(refusal({ plugins: [{ command: "x", supervision: { crashLoop: { maxCrashes: 0 } } }] })).toMatch(/supervision.*crashLoop\.maxCrashes must be an integer >= 1, got 0/);
    expect(refusal({ plugins: [{ command: "x", address: "127.0.0.1:7000" }] })).toMatch(/exactly one of "builtin".*has command and address/);
    expect(refusal({ plugins: [{ builtin: "nfs" }] })).toMatch(/"nfs"; the only built-in plugin is "file-driver"/);
    expect(refusal({ plugins: [{ command: "x", deadlinesMs: { create_grop: 1 } }] })).toMatch(/unknown key "create_grop".*create_group/);
    expect(refusal({ plugins: [{ command: "x", deadlinesMs: { create_group: -5 } }] })).toMatch(/deadlinesMs\.create_group in .* must be a whole number of milliseconds.*got -5/);
    expect(refusal({ api: { address: "0.0.0.0:7700" } })).toMatch(/no authentication.*loopback/);
    expect(refusal({ store: { durability: "paranoid" } })).toMatch(/store\.durability in .* is "paranoid"; use "normal"/);
    expect(refusal({ store: { journalRetentionDays: -1 } })).toMatch(/store\.journalRetentionDays in .* must be a number of days, 0 or more .*got -1/);
    expect(refusal({ store: { journalRetentionDays: "week" } })).toMatch(/store\.journalRetentionDays in .* got "week"/);
    expect(refusal({ metrics: { port: 70000 } })).toMatch(/metrics\.port .* from 0 .* to 65535, got 70000/);
    expect(refusal({ dataDir: `/tmp/${"x".repeat(120)}` })).toMatch(/longer than the 107 a Unix socket path may have/);
    expect(refusal({}, { logLevel: "chatty" })).toMatch(/"chatty"; use one of trace, debug, info/);
    expect(refusal({}, { logLevel: "bogus", logLevelFrom: "CGHOST_LOG_LEVEL" })).toMatch(/^CGHOST_LOG_LEVEL is "bogus"; use one of/);
    // In the file a port is a number; a string of digits is for the --metrics-port flag.
    expect(refusal({ metrics: { port: "9464" } })).toMatch(/metrics\.port .* got "9464"/);
    // What the connection would refuse, refused here too (so --print-config does), naming the key.
    expect(refusal({ plugins: [{ address: "127.0.0.1:7000" }] })).toMatch(/plugins\[0\]\.address in .* "127\.0\.0\.1:7000": .*needs mutual TLS/);
    const both = { address: "127.0.0.1:7000", insecure: true, tls: { caFile: "a", certFile: "b", keyFile: "c" } };
    expect(refusal({ plugins: [both] })).toMatch(/plugins\[0\]\.address in .*tls and insecure exclude each other/);
    expect(refusal({ plugins: [{ address: "nohost" }] })).toMatch(/plugins\[0\]\.address in .*"nohost".*neither unix/);
  });

  it("names a file that is missing or not JSON", () => {
    expect(() => loadServeConfig(join(dir, "absent.json"), {})).toThrow(/absent\.json: it does not exist; check the --config path/);
  });
});

describe("cghost serve as a process", () => {
  let served: ServeProcess | undefined;
  let dataDir: string;
  beforeAll(() => {
    dataDir = temporaryDir("cghost-twice-");
  });
  afterAll(() => {
    served?.kill();
    removeDir(dataDir);
  });

  it("exits 2 on a bad configuration, with the key and the value", async () => {
    const result = await runCli(["serve", "--data-dir", dataDir, "--config", writeConfig(dataDir, { metrics: { port: "x" } })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cghost: metrics\.port in .* must be a port .* got "x"/);
  });

  it("prints the configuration in effect with --print-config", async () => {
    const result = await runCli(["serve", "--data-dir", dataDir, "--print-config"]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { dataDir: string; plugins: Array<Record<string, unknown> & { deadlinesMs: Record<string, number> }> };
    expect(printed.dataDir).toBe(dataDir);
    expect(printed.plugins[0]!.deadlinesMs).toEqual(DEFAULT_DEADLINES_MS);
    // The launch settings too, defaults filled in; a sidecar's are its own.
    expect(printed.plugins[0]).toMatchObject({ transport: "unix", handshakeTimeoutMs: 10_000, stopGraceMs: 5_000, connectTimeoutMs: 10_000 });
    const sidecar = await runCli(["serve", "--data-dir", dataDir, "--print-config", "--config", writeConfig(dataDir, { plugins: [{ address: "127.0.0.1:7000", insecure: true, connectTimeoutMs: 2500 }] })]);
    const printedSidecar = JSON.parse(sidecar.stdout) as { plugins: Array<Record<string, unknown>> };
    expect(printedSidecar.plugins[0]).toMatchObject({ address: "127.0.0.1:7000", insecure: true, connectTimeoutMs: 2500 });
    expect(printedSidecar.plugins[0]).not.toHaveProperty("handshakeTimeoutMs");
  });

  it("exits 3 when another server already serves the data directory", async () => {
    served = await ServeProcess.start(dataDir, ["--config", writeConfig(dataDir, { plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }] })]);
    const second = await runCli(["serve", "--data-dir", dataDir]);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/another cghost serve is starting or running with .*serve\.lock \(it holds that lock until it exits\); stop it first/);
    // Another data directory, told to use the same front socket: refused by the socket's probe.
    const otherDir = join(dataDir, "other");
    mkdirSync(otherDir);
    const sameSocket = await runCli(["serve", "--data-dir", otherDir, "--config", writeConfig(otherDir, { api: { address: `unix:${join(dataDir, "cghost.sock")}` } })]);
    expect(sameSocket.code).toBe(3);
    expect(sameSocket.stderr).toMatch(/another cghost serve is listening on .*cghost\.sock; stop it first/);
    // Ctrl-C stops it as cleanly as SIGTERM.
    expect(await served.stop("SIGINT")).toEqual({ code: 0, signal: null });
  });

  it("exits 4 when the plugin cannot be started, quoting why, and leaves no new data directory behind", async () => {
    const config = writeConfig(dataDir, { plugins: [{ command: process.execPath, args: ["-e", "console.error('no license for this array'); process.exit(3)"] }] });
    const fresh = join(dataDir, "fresh");
    const result = await runCli(["serve", "--data-dir", join(fresh, "data"), "--config", config]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^cghost: the plugin could not be started: PLUGIN_EXITED/m);
    expect(result.stderr).toContain("no license for this array");
    // It made fresh/ and fresh/data/ (a store, a lock): the failed start removes them again.
    expect(existsSync(fresh)).toBe(false);
    // An existing data directory is the operator's: it stays.
    const again = await runCli(["serve", "--data-dir", dataDir, "--config", config]);
    expect(again.code).toBe(4);
    expect(existsSync(join(dataDir, "serve-config.json"))).toBe(true);
    // A store kept in a folder of its own that did not exist: made for the start, removed with it.
    const storeFolder = join(dataDir, "stores");
    const elsewhere = writeConfig(dataDir, {
      store: { path: join(storeFolder, "sub", "x.db") },
      plugins: [{ command: process.execPath, args: ["-e", "process.exit(3)"] }],
    });
    expect((await runCli(["serve", "--data-dir", dataDir, "--config", elsewhere])).code).toBe(4);
    expect(existsSync(storeFolder)).toBe(false);
  });

  it("exits 2 naming the setting when it cannot listen where told, or use its data directory, leaving nothing behind", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const noStack = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);
      const fresh = join(dataDir, "fresh-listen");
      const metrics = await runCli(["serve", "--data-dir", fresh, "--metrics-port", String(port)]);
      expect(metrics.code).toBe(2);
      expect(metrics.stderr).toContain(`cannot listen on 127.0.0.1:${port} (metrics.host and metrics.port, or --metrics-port): the address is in use`);
      noStack(metrics.stderr);
      expect(existsSync(fresh)).toBe(false);
      const api = await runCli(["serve", "--data-dir", fresh, "--config", writeConfig(dataDir, { api: { address: `127.0.0.1:${port}` } })]);
      expect(api.code).toBe(2);
      expect(api.stderr).toContain(`cannot listen on 127.0.0.1:${port} (api.address): the address is in use`);
      noStack(api.stderr);
      expect(existsSync(fresh)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    const file = join(dataDir, "a-file");
    writeFileSync(file, "");
    for (const [where, says] of [
      [file, "is a file"],
      [join(file, "data"), "a folder on its path is a file"],
    ] as const) {
      const result = await runCli(["serve", "--data-dir", where]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(where);
      expect(result.stderr).toContain(says);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("creates the folder of a store kept outside the data directory", async () => {
    const storePath = join(dataDir, "kept-stores", "sub", "cghost.db");
    const served = await ServeProcess.start(join(dataDir, "with-store"), ["--config", writeConfig(dataDir, { store: { path: storePath } })]);
    try {
      expect(existsSync(storePath)).toBe(true);
    } finally {
      expect(await served.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
