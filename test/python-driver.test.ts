// The Python example driver (examples/python-driver/) under the host, with Debian's Python and
// python3-grpcio: launched as a child (the full lifecycle, statuses read from the real SQLite file,
// volume files checked on disk), run as a sidecar the host dials, idempotent per operation id, and
// never outliving its host (the lifeline of proto/README.md).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Duplex, Readable } from "node:stream";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ConsistencyGroupDriverServiceClient,
  CreateConsistencyGroupRequest,
  type CreateConsistencyGroupResponse,
} from "../gen/cgdriver/v1/driver.js";
import { openHost, type Host } from "../host/index.js";
import { isAlive } from "./support/processes.js";

const root = join(import.meta.dirname, "..");
// Debian's Python: the python3 first on PATH may be another install that cannot see Debian's packages.
const PYTHON = "/usr/bin/python3";
const DRIVER = join(root, "examples", "python-driver", "main.py");
// One "GiB" of the driver is 64 KiB here, so copies stay cheap while every code path runs.
const BYTES_PER_GB = 64 * 1024;

/** What the driver needs from Debian, each with the package that provides it (.ci/run installs them). */
function missingDebianPackage(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} does not exist: install Debian's python3`;
  for (const [module, pkg] of [
    ["grpc", "python3-grpcio"],
    ["google.protobuf", "python3-protobuf"],
  ]) {
    const run = spawnSync(PYTHON, ["-c", `import ${module}`], { encoding: "utf8" });
    if (run.status !== 0) return `${PYTHON} cannot import ${module}: install Debian's ${pkg} (apt-get install -y ${pkg}); ${run.stderr.trim()}`;
  }
  for (const [tool, pkg] of [
    ["/usr/bin/protoc", "protobuf-compiler"],
    ["/usr/bin/grpc_python_plugin", "protobuf-compiler-grpc"],
  ]) {
    if (!existsSync(tool!)) return `${tool} is missing (the driver generates its stubs with it): install Debian's ${pkg} (apt-get install -y ${pkg})`;
  }
  return undefined;
}

// Everything a test starts, so that a failing test still leaves no process and no directory behind.
const children = new Set<ChildProcess>();
const dirs: string[] = [];
const hosts: Host[] = [];

function tempDir(): string {
  // Short: a Unix socket path must fit in 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), "cgpy-"));
  dirs.push(dir);
  return dir;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns the driver; collects its stderr lines; `exit` resolves once it has exited. */
function spawnDriver(args: string[], options: { env?: NodeJS.ProcessEnv; handshake?: boolean } = {}) {
  const child = spawn(PYTHON, [DRIVER, ...args], {
    env: options.env ?? process.env,
    stdio: options.handshake ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exit = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const stderr: string[] = [];
  child.stdout!.resume();
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  return { child, exit, stderr };
}

/** Resolves with the first line a stream delivers; rejects when the process exits first. */
function firstLine(stream: Readable, exit: Promise<Exit>, stderr: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const end = text.indexOf("\n");
      if (end >= 0) resolve(text.slice(0, end));
    });
    void exit.then((e) => reject(new Error(`the driver exited (${JSON.stringify(e)}) before its line; stderr:\n${stderr.join("\n")}`)));
  });
}

/** Resolves when the driver logs that it is serving; rejects, quoting its stderr, when it exits first. */
function serving(driver: ReturnType<typeof spawnDriver>): Promise<void> {
  return new Promise((resolve, reject) => {
    createInterface({ input: driver.child.stderr! }).on("line", (line) => {
      if (line.startsWith("{") && (JSON.parse(line) as { msg?: string }).msg === "serving") resolve();
    });
    void driver.exit.then((e) => reject(new Error(`the sidecar exited (${JSON.stringify(e)}) before serving; stderr:\n${driver.stderr.join("\n")}`)));
  });
}

function openStatusReader(storePath: string): { statusOf(table: string, id: string): string | undefined; close(): void } {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  return {
    statusOf: (table, id) => (db.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status?: string } | undefined)?.status,
    close: () => db.close(),
  };
}

/** Writes `text` at `offset` into a file, as an instance using the volume would. */
function writeInto(path: string, offset: number, text: string): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.from(text), 0, text.length, offset);
  } finally {
    closeSync(fd);
  }
}

beforeAll(() => {
  const missing = missingDebianPackage();
  if (missing !== undefined) throw new Error(`the Python driver cannot run here: ${missing}`);
});

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close().catch(() => undefined);
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the Python file driver launched as a child", () => {
  it("creates a group, adds volumes, snapshots them, clones the snapshot and deletes everything", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "data");
    const storePath = join(dir, "cghost.db");
    const host = await openHost({
      storePath,
      plugin: { command: PYTHON, args: [DRIVER, "--data-dir", dataDir, "--bytes-per-gb", String(BYTES_PER_GB)] },
    });
    hosts.push(host);
    const rows = openStatusReader(storePath);
    const volumeFile = (id: string): string => join(dataDir, "volumes", `${id}.img`);
    try {
      expect(host.pluginInfo.name).toBe("python-file-driver");

      const group = await host.createGroup({ name: "db-1", volumeTypes: ["gold"] });
      expect(rows.statusOf("groups", group.id)).toBe("available");
      expect(existsSync(join(dataDir, "groups", `${group.id}.json`))).toBe(true);

      const volumeIds = [1, 2].map((sizeGb) => host.registerVolume({ sizeGb, volumeType: "gold" }).id);
      const updated = await host.updateGroup(group.id, { addVolumeIds: volumeIds });
      expect(updated.volumes.map((v) => v.id).sort()).toEqual([...volumeIds].sort());
      for (const id of volumeIds) expect(rows.statusOf("volumes", id)).toBe("available");
      expect(readFileSync(volumeFile(volumeIds[0]!)).length).toBe(1 * BYTES_PER_GB);
      expect(readFileSync(volumeFile(volumeIds[1]!)).length).toBe(2 * BYTES_PER_GB);

      // Data written before the snapshot must be in it; data written after must not.
      writeInto(volumeFile(volumeIds[0]!), 100, "before-snapshot-0");
      writeInto(volumeFile(volumeIds[1]!), 70_000, "before-snapshot-1");
      const { cgsnapshot, snapshots } = await host.createCgSnapshot(group.id, { name: "nightly" });
      expect(rows.statusOf("cgsnapshots", cgsnapshot.id)).toBe("available");
      expect(snapshots).toHaveLength(2);
      for (const s of snapshots) {
        expect(rows.statusOf("snapshots", s.id)).toBe("available");
        expect(existsSync(join(dataDir, "cgsnapshots", cgsnapshot.id, `${s.id}.img`))).toBe(true);
      }
      const snapshotBytes = volumeIds.map((id) => readFileSync(volumeFile(id)));
      writeInto(volumeFile(volumeIds[0]!), 100, "after--snapshot-0");

      const clone = await host.createGroupFromSource({ name: "db-1-clone", source: { cgsnapshotId: cgsnapshot.id } });
      expect(rows.statusOf("groups", clone.group.id)).toBe("available");
      expect(clone.volumes).toHaveLength(2);
      for (const target of clone.volumes) {
        expect(rows.statusOf("volumes", target.id)).toBe("available");
        const snapshot = snapshots.find((s) => s.id === target.sourceId)!;
        const bytes = readFileSync(volumeFile(target.id));
        expect(bytes.equals(snapshotBytes[volumeIds.indexOf(snapshot.volumeId)]!)).toBe(true);
      }
      expect(readFileSync(volumeFile(volumeIds[0]!)).includes("after--snapshot-0")).toBe(true);

      await host.deleteGroup(clone.group.id, { deleteVolumes: true });
      expect(rows.statusOf("groups", clone.group.id)).toBe("deleted");
      for (const target of clone.volumes) {
        expect(rows.statusOf("volumes", target.id)).toBe("deleted");
        expect(existsSync(volumeFile(target.id))).toBe(false);
      }

      await host.deleteCgSnapshot(cgsnapshot.id);
      expect(rows.statusOf("cgsnapshots", cgsnapshot.id)).toBe("deleted");
      for (const s of snapshots) expect(rows.statusOf("snapshots", s.id)).toBe("deleted");
      expect(existsSync(join(dataDir, "cgsnapshots", cgsnapshot.id))).toBe(false);

      await host.deleteGroup(group.id, { deleteVolumes: true });
      expect(rows.statusOf("groups", group.id)).toBe("deleted");
      for (const id of volumeIds) {
        expect(rows.statusOf("volumes", id)).toBe("deleted");
        expect(existsSync(volumeFile(id))).toBe(false);
      }
      expect(existsSync(join(dataDir, "groups", `${group.id}.json`))).toBe(false);
    } finally {
      rows.close();
    }
  });

  it("leaves no Python process behind once the host is closed", async () => {
    const dir = tempDir();
    const host = await openHost({
      storePath: join(dir, "cghost.db"),
      plugin: { command: PYTHON, args: [DRIVER, "--data-dir", join(dir, "data")] },
    });
    hosts.push(host);
    const pid = host.pluginPid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain(DRIVER);
    await host.close();
    expect(isAlive(pid)).toBe(false);
  });
});

describe("the Python driver's lifeline", () => {
  it("hands shake on descriptor 3 with the nonce, then exits 0 by itself when the host's end closes", async () => {
    const dir = tempDir();
    const socketPath = join(dir, "plugin.sock");
    const nonce = randomBytes(16).toString("hex");
    const driver = spawnDriver(["--data-dir", join(dir, "data")], {
      handshake: true,
      env: {
        ...process.env,
        CGHOST_PLUGIN_SOCKET: socketPath,
        CGHOST_HANDSHAKE_FD: "3",
        CGHOST_PLUGIN_NONCE: nonce,
        CGHOST_CONTRACT_VERSIONS: "v1",
      },
    });
    const lifeline = driver.child.stdio[3] as Duplex;
    const line = JSON.parse(await firstLine(lifeline, driver.exit, driver.stderr)) as Record<string, unknown>;
    expect(line).toEqual({ cghost_handshake: 1, nonce, address: `unix://${socketPath}`, contract_versions: ["v1"], pid: driver.child.pid });
    expect(existsSync(socketPath)).toBe(true);

    // The host's side goes away (as when it is killed): no signal, only end-of-file on descriptor 3.
    lifeline.destroy();
    expect(await driver.exit).toEqual({ code: 0, signal: null });
    expect(driver.stderr.some((l) => l.includes("the host is gone"))).toBe(true);
  });
});

describe("the Python file driver as a sidecar", () => {
  it("refuses a host:port without --insecure, naming the address; with it serves plaintext TCP with a warning", async () => {
    const dir = tempDir();
    const refused = spawnDriver(["--data-dir", join(dir, "refused"), "--address", "127.0.0.1:0"]);
    expect((await refused.exit).code).toBe(2);
    expect(refused.stderr.join("\n")).toContain("--address 127.0.0.1:0 is a TCP address, and this example does no TLS: pass --insecure");
    expect(existsSync(join(dir, "refused"))).toBe(false);

    const sidecar = spawnDriver(["--data-dir", join(dir, "data"), "--bytes-per-gb", String(BYTES_PER_GB), "--address", "127.0.0.1:0", "--insecure"]);
    await serving(sidecar);
    const lines = sidecar.stderr.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { msg: string; address?: string });
    expect(lines.some((l) => l.msg.startsWith("serving plaintext TCP on 127.0.0.1:0 (--insecure)"))).toBe(true);
    const address = lines.find((l) => l.msg === "serving")!.address!;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const host = await openHost({ storePath: join(dir, "cghost.db"), plugin: { address, insecure: true } });
    hosts.push(host);
    const group = await host.createGroup({ name: "tcp", volumeTypes: ["gold"] });
    const rows = openStatusReader(join(dir, "cghost.db"));
    try {
      expect(rows.statusOf("groups", group.id)).toBe("available");
    } finally {
      rows.close();
    }
  });

  it("refuses an address another driver serves on, a Unix socket or a TCP port, and the first stays reachable", async () => {
    const dir = tempDir();
    const socketAddress = `unix://${join(dir, "py.sock")}`;
    const first = spawnDriver(["--data-dir", join(dir, "first"), "--address", socketAddress]);
    await serving(first);
    const second = spawnDriver(["--data-dir", join(dir, "second"), "--address", socketAddress]);
    expect((await second.exit).code).toBe(1);
    expect(second.stderr.join("\n")).toContain(`cannot listen on ${socketAddress}: another process is serving there`);
    const host = await openHost({ storePath: join(dir, "cghost.db"), plugin: { address: socketAddress } });
    hosts.push(host);
    expect((await host.createGroup({ name: "still-first", volumeTypes: ["gold"] })).status).toBe("available");

    // One driver per data directory: a second one on the first's exits naming its pid.
    const sameData = spawnDriver(["--data-dir", join(dir, "first"), "--address", `unix://${join(dir, "other.sock")}`]);
    expect((await sameData.exit).code).toBe(1);
    expect(sameData.stderr.join("\n")).toContain(`the data directory ${join(dir, "first")} is in use by another file driver (pid ${first.child.pid})`);

    const tcp = spawnDriver(["--data-dir", join(dir, "tcp"), "--address", "127.0.0.1:0", "--insecure"]);
    await serving(tcp);
    const tcpLines = tcp.stderr.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { msg: string; address?: string });
    const tcpAddress = tcpLines.find((l) => l.msg === "serving")!.address!;
    const sharing = spawnDriver(["--data-dir", join(dir, "sharing"), "--address", tcpAddress, "--insecure"]);
    expect((await sharing.exit).code).toBe(1);
    expect(sharing.stderr.join("\n")).toContain(`cannot listen on ${tcpAddress}`);
  });

  it("serves the host at its address, answers a repeated operation id as the first call, and exits 0 on SIGTERM", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "data");
    const storePath = join(dir, "cghost.db");
    const address = `unix://${join(dir, "py.sock")}`;
    const sidecar = spawnDriver(["--data-dir", dataDir, "--bytes-per-gb", String(BYTES_PER_GB), "--address", address]);
    await serving(sidecar);

    const host = await openHost({ storePath, plugin: { address } });
    hosts.push(host);
    const rows = openStatusReader(storePath);
    try {
      expect(host.pluginInfo.name).toBe("python-file-driver");
      const group = await host.createGroup({ name: "side", volumeTypes: ["gold"] });
      expect(rows.statusOf("groups", group.id)).toBe("available");
      expect(existsSync(join(dataDir, "groups", `${group.id}.json`))).toBe(true);
      await host.deleteGroup(group.id);
      expect(rows.statusOf("groups", group.id)).toBe("deleted");
      expect(existsSync(join(dataDir, "groups", `${group.id}.json`))).toBe(false);
    } finally {
      rows.close();
    }
    await host.close();
    expect(sidecar.child.exitCode).toBeNull(); // a sidecar is the operator's: closing the host leaves it running

    // Idempotency, straight over gRPC: a repeat answers from the ledger without touching files.
    const client = new ConsistencyGroupDriverServiceClient(address, credentials.createInsecure());
    const create = (groupId: string): Promise<CreateConsistencyGroupResponse> =>
      new Promise((resolve, reject) =>
        client.createConsistencyGroup(CreateConsistencyGroupRequest.fromPartial({ operationId: "op-repeat", group: { id: groupId } }), (error, answer) =>
          error ? reject(error) : resolve(answer),
        ),
      );
    try {
      const record = join(dataDir, "groups", "g-repeat.json");
      const first = await create("g-repeat");
      expect(first.modelUpdate?.providerLocation).toBe(record);
      rmSync(record);
      expect(await create("g-repeat")).toEqual(first);
      expect(existsSync(record)).toBe(false);
      const reused = await create("g-other").then(
        () => undefined,
        (error: ServiceError) => error,
      );
      expect(reused?.code).toBe(status.FAILED_PRECONDITION);
      expect(reused?.details).toContain("op-repeat");
    } finally {
      client.close();
    }

    expect(readFileSync(join(dataDir, "driver.pid"), "utf8").trim()).toBe(String(sidecar.child.pid));
    sidecar.child.kill("SIGTERM");
    expect(await sidecar.exit).toEqual({ code: 0, signal: null });
    expect(sidecar.stderr.some((l) => l.includes("received SIGTERM"))).toBe(true);
    // Its data directory is free again.
    expect(existsSync(join(dataDir, "driver.pid"))).toBe(false);
  });
});
