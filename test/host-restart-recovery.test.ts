// RULES.md section 9: a host SIGKILLed in the middle of an operation, then started again on the
// same database. Each test runs the host in its own process (test/drivers/host-process.ts), kills
// it while the driver holds the call, checks that the plugin child left on its own (lifeline), and
// opens a new host in this process, whose start-up recovery must re-issue the call with the same
// operation id and settle every row by the rules.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createHost, openHost, type Caller, type Host, type OperationKind } from "../host/index.js";
import { launchPlugin } from "../host/plugin/index.js";
import { openSqliteStore } from "../host/store/index.js";
import type { HostProcessConfig, Operation } from "./drivers/host-process.js";
import { SCRIPTED_DRIVER, type ReceivedCall } from "./support/host-harness.js";
import { isAlive } from "./support/processes.js";

const root = join(import.meta.dirname, "..");
const HOST_PROCESS = join(root, "dist", "test", "drivers", "host-process.js");
const FILE_DRIVER = join(root, "dist", "examples", "file-driver", "main.js");
const BYTES_PER_GB = 64 * 1024;
const TRANSITIONAL = ["creating", "deleting", "updating"];
// Waits below are for other processes (a child to start, a call to arrive, a process to exit):
// polled, with a bound only so a broken build fails instead of hanging.
const POLL_MS = 20;
const EXIT_WAIT_MS = 10_000;
const START_WAIT_MS = 30_000;

interface Scene {
  dir: string;
  dbPath: string;
  scriptPath: string;
  callsPath: string;
  dataDir: string;
}

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  // Last registered first: hosts and readers before the directory they live in.
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch {
      // Cleaning up after a failure must go on to the next step.
    }
  }
});

function newScene(): Scene {
  const dir = mkdtempSync(join(tmpdir(), "cghost-restart-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const scene = {
    dir,
    dbPath: join(dir, "cghost.db"),
    scriptPath: join(dir, "script.json"),
    callsPath: join(dir, "calls.jsonl"),
    dataDir: join(dir, "file-driver"),
  };
  script(scene, {});
  appendFileSync(scene.callsPath, "");
  return scene;
}

function script(scene: Scene, value: Record<string, unknown>): void {
  writeFileSync(scene.scriptPath, JSON.stringify(value));
}

function allCalls(scene: Scene): ReceivedCall[] {
  return readFileSync(scene.callsPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ReceivedCall);
}

function calls(scene: Scene, kind: string): ReceivedCall[] {
  return allCalls(scene).filter((call) => call.kind === kind);
}

/** Changes the database behind the host's back, as another host or an older version would have. */
function tamper(scene: Scene, sql: string, ...params: unknown[]): void {
  const writer = new Database(scene.dbPath, { fileMustExist: true });
  try {
    writer.prepare(sql).run(...params);
  } finally {
    writer.close();
  }
}

function scriptedPlugin(scene: Scene): HostProcessConfig["plugin"] {
  return { command: process.execPath, args: [SCRIPTED_DRIVER], env: { CGHOST_SCRIPT: scene.scriptPath, CGHOST_CALLS: scene.callsPath } };
}

function filePlugin(scene: Scene): HostProcessConfig["plugin"] {
  return { command: process.execPath, args: [FILE_DRIVER, "--data-dir", scene.dataDir, "--bytes-per-gb", String(BYTES_PER_GB)] };
}

async function openInProcess(scene: Scene, plugin: HostProcessConfig["plugin"], options: { recoveryReadyTimeoutMs?: number } = {}): Promise<Host> {
  const host = await openHost({ storePath: scene.dbPath, plugin, ...options });
  const pid = host.pluginPid;
  cleanups.push(async () => {
    await host.close();
    if (pid !== undefined && isAlive(pid)) process.kill(pid, "SIGKILL");
  });
  return host;
}

function reader(scene: Scene): Database.Database {
  const db = new Database(scene.dbPath, { readonly: true, fileMustExist: true });
  cleanups.push(() => db.close());
  return db;
}

async function waitUntil(done: () => boolean, what: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

interface HostProcess {
  child: ChildProcess;
  /** The first line with this event, once the process printed it. */
  next(event: string): Promise<Record<string, unknown>>;
  /** SIGKILLs the process and waits for it to be gone. */
  kill(): Promise<void>;
}

function spawnHost(scene: Scene, config: HostProcessConfig): HostProcess {
  // TMPDIR inside the scene: a killed host cannot remove its plugin's socket directory, the scene's cleanup does.
  const child = spawn(process.execPath, [HOST_PROCESS, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TMPDIR: scene.dir },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  const lines: Array<Record<string, unknown>> = [];
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    for (let end = stdout.indexOf("\n"); end >= 0; end = stdout.indexOf("\n")) {
      lines.push(JSON.parse(stdout.slice(0, end)) as Record<string, unknown>);
      stdout = stdout.slice(end + 1);
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return {
    child,
    next: async (event) => {
      const found = (): Record<string, unknown> | undefined => lines.find((line) => line.event === event);
      await waitUntil(
        () => {
          if (found() !== undefined) return true;
          const failed = lines.find((line) => line.event === "failed");
          if (failed || child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`the host process ended before "${event}": ${JSON.stringify(failed ?? { exit: child.exitCode })}\n${stderr}`);
          }
          return false;
        },
        `the host process to print "${event}"`,
        START_WAIT_MS,
      );
      return found()!;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Kills the host process, then waits for its plugin child to leave on its own (lifeline). */
async function killHostAndWaitForPlugin(host: HostProcess, pluginPid: number): Promise<void> {
  await host.kill();
  expect(host.child.signalCode).toBe("SIGKILL");
  await waitUntil(() => !isAlive(pluginPid), `plugin ${pluginPid} to exit after its host was killed`, EXIT_WAIT_MS);
}

function transitionalRows(db: Database.Database): Array<{ tbl: string; id: string; status: string }> {
  const marks = TRANSITIONAL.map(() => "?").join(", ");
  return ["groups", "volumes", "cgsnapshots", "snapshots"].flatMap((tbl) =>
    (db.prepare(`SELECT id, status FROM ${tbl} WHERE status IN (${marks})`).all(...TRANSITIONAL) as Array<{ id: string; status: string }>).map(
      (row) => ({ tbl, ...row }),
    ),
  );
}

interface JournalRow {
  operation_id: string;
  kind: string;
  group_id: string;
  rows: string;
  state: string;
  result: string | null;
}

function journal(db: Database.Database, operationId: string): JournalRow {
  return db.prepare("SELECT * FROM journal WHERE operation_id = ?").get(operationId) as JournalRow;
}

function openEntries(db: Database.Database): JournalRow[] {
  return db.prepare("SELECT * FROM journal WHERE state = 'open'").all() as JournalRow[];
}

function statusOf(db: Database.Database, table: string, id: string): string | undefined {
  return (db.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status?: string } | undefined)?.status;
}

function column<T>(db: Database.Database, sql: string, ...params: unknown[]): T[] {
  return (db.prepare(sql).raw(true).all(...params) as unknown[][]).map((row) => row[0] as T);
}

async function groupWithVolumes(host: Host, sizes: number[]): Promise<{ groupId: string; volumeIds: string[] }> {
  const group = await host.createGroup({ name: "g", volumeTypes: ["gold"] });
  const volumeIds = sizes.map((sizeGb, i) => host.registerVolume({ sizeGb, volumeType: "gold", name: `vol-${i}` }).id);
  await host.updateGroup(group.id, { addVolumeIds: volumeIds });
  return { groupId: group.id, volumeIds };
}

const CALLER = { projectId: "p-restart", userId: "u-restart" };

/** One operation interrupted by the kill: how to reach it, and what the rules make of `{}`. */
interface Case {
  kind: OperationKind;
  title: string;
  arrange(host: Host): Promise<Operation>;
  ruleId: string;
  /** The final statuses, given the journal entry of the interrupted operation. */
  settled(db: Database.Database, entry: JournalRow): void;
}

const CASES: Case[] = [
  {
    kind: "create_group",
    title: "create group",
    arrange: async () => ({ kind: "create_group", name: "new", volumeTypes: ["gold"] }),
    ruleId: "R1.4",
    settled: (db, entry) => expect(statusOf(db, "groups", entry.group_id)).toBe("available"),
  },
  {
    kind: "create_group_from_source",
    title: "create group from a cgsnapshot",
    arrange: async (host) => {
      const { groupId } = await groupWithVolumes(host, [1, 2]);
      const { cgsnapshot } = await host.createCgSnapshot(groupId);
      return { kind: "create_group_from_source", name: "clone", source: { cgsnapshotId: cgsnapshot.id } };
    },
    ruleId: "R2.2",
    settled: (db, entry) => {
      expect(statusOf(db, "groups", entry.group_id)).toBe("available");
      expect(column(db, "SELECT status FROM volumes WHERE group_id = ?", entry.group_id)).toEqual(["available", "available"]);
    },
  },
  {
    kind: "create_group_from_source",
    title: "create group from a group",
    arrange: async (host) => {
      const { groupId } = await groupWithVolumes(host, [1, 2]);
      return { kind: "create_group_from_source", name: "clone", source: { groupId } };
    },
    ruleId: "R2.2",
    settled: (db, entry) => {
      expect(statusOf(db, "groups", entry.group_id)).toBe("available");
      expect(column(db, "SELECT status FROM volumes WHERE group_id = ?", entry.group_id)).toEqual(["available", "available"]);
    },
  },
  {
    kind: "update_group",
    title: "update group",
    arrange: async (host) => {
      const { groupId, volumeIds } = await groupWithVolumes(host, [1]);
      const added = [host.registerVolume({ sizeGb: 1, volumeType: "gold" }).id, host.registerVolume({ sizeGb: 2, volumeType: "gold" }).id];
      return { kind: "update_group", groupId, addVolumeIds: added, removeVolumeIds: volumeIds };
    },
    ruleId: "R4.3",
    settled: (db, entry) => {
      expect(statusOf(db, "groups", entry.group_id)).toBe("available");
      const { volumes } = JSON.parse(entry.rows) as { volumes: string[] };
      const [added1, added2, removed] = volumes;
      for (const id of [added1, added2]) expect(db.prepare("SELECT status, group_id FROM volumes WHERE id = ?").get(id)).toEqual({ status: "available", group_id: entry.group_id });
      expect(db.prepare("SELECT status, group_id FROM volumes WHERE id = ?").get(removed)).toEqual({ status: "available", group_id: null });
    },
  },
  {
    kind: "delete_group",
    title: "delete group with its volumes",
    arrange: async (host) => ({ kind: "delete_group", groupId: (await groupWithVolumes(host, [1, 2])).groupId, deleteVolumes: true }),
    ruleId: "R3.5",
    settled: (db, entry) => {
      expect(statusOf(db, "groups", entry.group_id)).toBe("deleted");
      expect(column(db, "SELECT status FROM volumes WHERE group_id = ?", entry.group_id)).toEqual(["deleted", "deleted"]);
    },
  },
  {
    kind: "create_cgsnapshot",
    title: "create cgsnapshot",
    arrange: async (host) => ({ kind: "create_cgsnapshot", groupId: (await groupWithVolumes(host, [1, 2])).groupId, name: "nightly" }),
    ruleId: "R5.3",
    settled: (db, entry) => {
      const { cgsnapshots } = JSON.parse(entry.rows) as { cgsnapshots: string[] };
      expect(statusOf(db, "cgsnapshots", cgsnapshots[0]!)).toBe("available");
      expect(column(db, "SELECT status FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshots[0])).toEqual(["available", "available"]);
    },
  },
  {
    kind: "delete_cgsnapshot",
    title: "delete cgsnapshot",
    arrange: async (host) => {
      const { groupId } = await groupWithVolumes(host, [1, 2]);
      return { kind: "delete_cgsnapshot", cgsnapshotId: (await host.createCgSnapshot(groupId)).cgsnapshot.id };
    },
    ruleId: "R6.3",
    settled: (db, entry) => {
      const { cgsnapshots } = JSON.parse(entry.rows) as { cgsnapshots: string[] };
      expect(statusOf(db, "cgsnapshots", cgsnapshots[0]!)).toBe("deleted");
      expect(column(db, "SELECT status FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshots[0])).toEqual(["deleted", "deleted"]);
    },
  },
];

/**
 * Arranges the rows with a healthy scripted driver, then runs `operation` in a host process whose
 * driver hangs on it, and SIGKILLs that host once the driver holds the call. Returns the open
 * journal entry and the call the driver received.
 */
async function killMidCall(scene: Scene, c: { kind: OperationKind; arrange(host: Host): Promise<Operation> }, caller: Caller) {
  const setup = await openInProcess(scene, scriptedPlugin(scene));
  const operation = await c.arrange(setup);
  await setup.close();
  const earlier = calls(scene, c.kind).length;

  script(scene, { [c.kind]: { hang: true } });
  const hostProcess = spawnHost(scene, { dbPath: scene.dbPath, plugin: scriptedPlugin(scene), operation, caller });
  const ready = await hostProcess.next("ready");
  await waitUntil(() => calls(scene, c.kind).length > earlier, `the driver to receive ${c.kind}`, START_WAIT_MS);
  await killHostAndWaitForPlugin(hostProcess, ready.pluginPid as number);

  const db = reader(scene);
  const open = openEntries(db);
  expect(open).toHaveLength(1);
  expect(open[0]!.kind).toBe(c.kind);
  // Killed mid-call: the first transaction committed, the second never ran.
  expect(transitionalRows(db).length).toBeGreaterThan(0);
  const interrupted = calls(scene, c.kind)[earlier]!;
  expect(interrupted.operationId).toBe(open[0]!.operation_id);
  return { db, entry: open[0]!, interrupted, earlier };
}

describe("a host killed in the middle of a call, then restarted on the same database (RULES.md section 9)", () => {
  it.each(CASES)("$title: the call is re-issued with the same operation id and settled by the rules", async (c) => {
    const scene = newScene();
    const caller = { ...CALLER, requestId: `req-restart-${c.kind}` };
    const { db, entry, interrupted, earlier } = await killMidCall(scene, c, caller);

    script(scene, {});
    const host = await openInProcess(scene, scriptedPlugin(scene));

    expect(host.lastRecovery).toEqual({ recovered: [{ operationId: entry.operation_id, kind: c.kind, ruleId: c.ruleId, ok: true }] });
    const received = calls(scene, c.kind).slice(earlier);
    expect(received).toHaveLength(2);
    expect(received[1]!.operationId).toBe(entry.operation_id);
    // Rebuilt from the journal and the rows: the very request the killed host sent, caller included.
    expect(received[1]!.request).toEqual(interrupted.request);
    expect(received[1]!.request.context).toEqual(caller);
    expect(journal(db, entry.operation_id)).toMatchObject({ state: "closed", result: c.ruleId });
    expect(openEntries(db)).toEqual([]);
    expect(transitionalRows(db)).toEqual([]);
    c.settled(db, entry);
    // The host works normally afterwards.
    await host.createGroup({ name: "after", volumeTypes: ["gold"] });
  }, 120_000);

  it("the create-from-source request pairs target i with source item i after recovery", async () => {
    const scene = newScene();
    const c = CASES.find((k) => k.title === "create group from a cgsnapshot")!;
    const { db, entry } = await killMidCall(scene, c, { ...CALLER, requestId: "req-pairs" });
    script(scene, {});
    await openInProcess(scene, scriptedPlugin(scene));
    const request = calls(scene, "create_group_from_source").at(-1)!.request as {
      volumes: Array<{ id: string }>;
      cgsnapshotSource: { snapshots: Array<{ id: string }> };
    };
    const sourceOf = new Map(column<string>(db, "SELECT id FROM volumes WHERE group_id = ?", entry.group_id).map((id) => [id, (db.prepare("SELECT source_id FROM volumes WHERE id = ?").get(id) as { source_id: string }).source_id]));
    expect(request.volumes.map((v) => sourceOf.get(v.id))).toEqual(request.cgsnapshotSource.snapshots.map((s) => s.id));
  }, 120_000);

  it.each([
    { title: "the restarted plugin raises", restartScript: { create_cgsnapshot: { fail: { code: 13, message: "the array lost the snapshot" } } }, cause: "DRIVER_FAILED", reissued: true },
    { title: "the restarted plugin no longer implements the operation", restartScript: { unimplemented: ["create_cgsnapshot"] }, cause: "UNSUPPORTED_OPERATION", reissued: false },
    // Probe keeps answering not ready: recovery waits its readiness timeout, then cannot re-issue.
    { title: "the restarted plugin never becomes ready", restartScript: { probe: { ready: false, message: "array offline" } }, cause: "PLUGIN_UNAVAILABLE", reissued: false },
  ])("$title: the raised row applies, everything error, nothing transitional", async ({ restartScript, cause, reissued }) => {
    const scene = newScene();
    const c = CASES.find((k) => k.kind === "create_cgsnapshot")!;
    const { db, entry, earlier } = await killMidCall(scene, c, { ...CALLER, requestId: "req-raised" });

    script(scene, restartScript);
    const host = await openInProcess(scene, scriptedPlugin(scene), { recoveryReadyTimeoutMs: 500 });

    expect(host.lastRecovery).toEqual({ recovered: [{ operationId: entry.operation_id, kind: "create_cgsnapshot", ruleId: "R5.1", ok: false }] });
    expect(calls(scene, "create_cgsnapshot").slice(earlier).map((call) => call.operationId)).toEqual(
      reissued ? [entry.operation_id, entry.operation_id] : [entry.operation_id],
    );
    const cgsnapshotId = (JSON.parse(entry.rows) as { cgsnapshots: string[] }).cgsnapshots[0]!;
    expect(statusOf(db, "cgsnapshots", cgsnapshotId)).toBe("error");
    expect(column(db, "SELECT status FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshotId)).toEqual(["error", "error"]);
    const lastError = JSON.parse(column<string>(db, "SELECT last_error FROM cgsnapshots WHERE id = ?", cgsnapshotId)[0]!) as { code: string; operationId: string };
    expect(lastError).toMatchObject({ code: cause, operationId: entry.operation_id });
    expect(statusOf(db, "groups", entry.group_id)).toBe("available");
    expect(journal(db, entry.operation_id)).toMatchObject({ state: "closed", result: "R5.1" });
    expect(transitionalRows(db)).toEqual([]);
  }, 120_000);

  it("file driver: killed after the driver copied the snapshots, recovery replays its ledger and copies nothing twice", async () => {
    const scene = newScene();
    const setup = await openInProcess(scene, filePlugin(scene));
    const { groupId } = await groupWithVolumes(setup, [1, 2]);
    await setup.close();

    const hostProcess = spawnHost(scene, {
      dbPath: scene.dbPath,
      plugin: filePlugin(scene),
      operation: { kind: "create_cgsnapshot", groupId, name: "nightly" },
      caller: { ...CALLER, requestId: "req-file" },
      stallAfterAnswer: true,
    });
    const ready = await hostProcess.next("ready");
    const answered = await hostProcess.next("answered");
    expect(answered).toMatchObject({ kind: "create_cgsnapshot", outcome: "returned" });
    await killHostAndWaitForPlugin(hostProcess, ready.pluginPid as number);

    const db = reader(scene);
    const [entry] = openEntries(db);
    expect(entry?.operation_id).toBe(answered.operationId);
    const cgsnapshotId = (JSON.parse(entry!.rows) as { cgsnapshots: string[] }).cgsnapshots[0]!;
    expect(statusOf(db, "cgsnapshots", cgsnapshotId)).toBe("creating");
    const snapshotIds = column<string>(db, "SELECT id FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshotId);
    const copyDir = join(scene.dataDir, "cgsnapshots", cgsnapshotId);
    const copies = (): string[] => readdirSync(copyDir).sort();
    const expected = snapshotIds.map((id) => `${id}.img`).sort();
    expect(copies()).toEqual(expected);
    const inodes = expected.map((name) => statSync(join(copyDir, name)).ino);

    const host = await openInProcess(scene, filePlugin(scene));

    expect(host.lastRecovery).toEqual({ recovered: [{ operationId: entry!.operation_id, kind: "create_cgsnapshot", ruleId: "R5.3", ok: true }] });
    expect(statusOf(db, "cgsnapshots", cgsnapshotId)).toBe("available");
    expect(column(db, "SELECT status FROM snapshots WHERE cgsnapshot_id = ?", cgsnapshotId)).toEqual(["available", "available"]);
    // Exactly one copy per snapshot, and the same files: the retry was answered from the ledger.
    expect(copies()).toEqual(expected);
    expect(expected.map((name) => statSync(join(copyDir, name)).ino)).toEqual(inodes);
    expect(readdirSync(join(scene.dataDir, "operations")).filter((name) => name.startsWith(entry!.operation_id))).toEqual([`${entry!.operation_id}.json`]);
    expect(column(db, "SELECT provider_location FROM snapshots WHERE cgsnapshot_id = ? ORDER BY position", cgsnapshotId).sort()).toEqual(
      expected.map((name) => join(copyDir, name)).sort(),
    );
    expect(journal(db, entry!.operation_id)).toMatchObject({ state: "closed", result: "R5.3" });
    expect(transitionalRows(db)).toEqual([]);
  }, 120_000);
});

describe("recovery when the call cannot or need not be re-issued", () => {
  it("an entry whose rows another host already settled is closed saying so, with no call", async () => {
    const scene = newScene();
    const { entry, earlier } = await killMidCall(scene, CASES.find((k) => k.kind === "update_group")!, { ...CALLER, requestId: "req-elsewhere" });
    tamper(scene, "UPDATE groups SET status = 'available' WHERE id = ?", entry.group_id);

    script(scene, {});
    const host = await openInProcess(scene, scriptedPlugin(scene));

    expect(host.lastRecovery).toEqual({
      recovered: [{ operationId: entry.operation_id, kind: "update_group", ruleId: "settled-elsewhere", ok: true, note: expect.stringContaining("another host") }],
    });
    expect(calls(scene, "update_group").slice(earlier)).toHaveLength(1);
    const db = reader(scene);
    expect(journal(db, entry.operation_id).state).toBe("closed");
    expect(journal(db, entry.operation_id).result).toMatch(/^settled-elsewhere: group .* is 'available'/);
    expect(transitionalRows(db)).toEqual([]);
  }, 120_000);

  it("an entry that cannot be rebuilt (an older journal layout) gets the raised treatment: every transitional row error", async () => {
    const scene = newScene();
    const { entry, earlier } = await killMidCall(scene, CASES.find((k) => k.kind === "delete_group")!, { ...CALLER, requestId: "req-old" });
    // The layout before this one kept neither the caller nor the volume ids.
    const oldRows = JSON.stringify({ groups: [entry.group_id], volumes: [], cgsnapshots: [], snapshots: [] });
    tamper(scene, "UPDATE journal SET request = '{\"deleteVolumes\":true}', rows = ? WHERE operation_id = ?", oldRows, entry.operation_id);

    script(scene, {});
    const host = await openInProcess(scene, scriptedPlugin(scene));

    expect(host.lastRecovery).toEqual({
      recovered: [{ operationId: entry.operation_id, kind: "delete_group", ruleId: "unrecoverable", ok: false, note: expect.stringContaining("format") }],
    });
    expect(calls(scene, "delete_group").slice(earlier)).toHaveLength(1);
    const db = reader(scene);
    expect(statusOf(db, "groups", entry.group_id)).toBe("error");
    expect(column(db, "SELECT status FROM volumes WHERE group_id = ?", entry.group_id)).toEqual(["error", "error"]);
    const lastErrors = column<string>(db, "SELECT last_error FROM volumes WHERE group_id = ?", entry.group_id).map((text) => JSON.parse(text) as { code: string; operationId: string });
    for (const lastError of lastErrors) expect(lastError).toMatchObject({ code: "RECOVERY_FAILED", operationId: entry.operation_id });
    expect(journal(db, entry.operation_id)).toMatchObject({ state: "closed", result: expect.stringMatching(/^unrecoverable: /) });
    expect(transitionalRows(db)).toEqual([]);
  }, 120_000);

  it("a call made while recovery runs waits for the group being recovered, then runs", async () => {
    const scene = newScene();
    const { entry } = await killMidCall(scene, CASES.find((k) => k.kind === "update_group")!, { ...CALLER, requestId: "req-wait" });
    script(scene, {});
    const store = openSqliteStore({ path: scene.dbPath });
    let host: Host;
    try {
      host = createHost({ store, plugin: await launchPlugin(scriptedPlugin(scene)) });
    } catch (error) {
      store.close();
      throw error;
    }
    cleanups.push(() => host.close());

    const recovering = host.recover();
    // Made before recovery settled the group: without the lock it would find the group 'updating'.
    const snapshot = host.createCgSnapshot(entry.group_id);
    expect((await recovering).recovered).toMatchObject([{ operationId: entry.operation_id, ruleId: "R4.3", ok: true }]);
    expect((await snapshot).cgsnapshot.status).toBe("available");
    const order = allCalls(scene).map((call) => call.kind).slice(-2);
    expect(order).toEqual(["update_group", "create_cgsnapshot"]);
  }, 120_000);
});

describe("a host closed without waiting for an operation (close({ abandonAfterMs }))", () => {
  it("leaves the operation as a killed host would, and the next host settles it with the same operation id", async () => {
    const scene = newScene();
    script(scene, { create_group: { hang: true } });
    const host = await openInProcess(scene, scriptedPlugin(scene));
    const pid = host.pluginPid!;
    const pending = host.createGroup({ name: "hung", volumeTypes: ["gold"] }).then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    await waitUntil(() => calls(scene, "create_group").length === 1, "the driver to receive the call", START_WAIT_MS);
    await host.close({ abandonAfterMs: 50 });
    const error = await pending;
    expect(error?.code).toBe("HOST_CLOSED");
    expect(error?.message).toContain("the next start re-issues the call with the same operation id");
    expect(isAlive(pid)).toBe(false);
    const db = reader(scene);
    expect(db.prepare("SELECT status FROM groups WHERE name = 'hung'").get()).toEqual({ status: "creating" });
    expect(db.prepare("SELECT count(*) AS open FROM journal WHERE state = 'open'").get()).toEqual({ open: 1 });

    script(scene, {});
    const next = await openInProcess(scene, scriptedPlugin(scene));
    expect(next.lastRecovery?.recovered).toMatchObject([{ kind: "create_group", ruleId: "R1.4", ok: true }]);
    expect(db.prepare("SELECT status FROM groups WHERE name = 'hung'").get()).toEqual({ status: "available" });
    const [first, second] = calls(scene, "create_group");
    expect(second!.operationId).toBe(first!.operationId);
  }, 120_000);
});
