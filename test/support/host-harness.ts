// A host wired to the scripted driver as a real child process over a real socket, with a real
// SQLite file, and a separate read-only connection so tests assert what is in the database.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import { createHost, HostError, type Host, type PluginClient } from "../../host/index.js";
import { launchPlugin } from "../../host/plugin/index.js";
import { openSqliteStore, type Store } from "../../host/store/index.js";

const root = join(import.meta.dirname, "..", "..");
export const SCRIPTED_DRIVER = join(root, "dist", "test", "drivers", "scripted-driver.js");

/** What the scripted driver does per operation (see test/drivers/scripted-driver.ts). */
export type Script = Record<string, unknown>;

/** One call the scripted driver received. */
export interface ReceivedCall {
  kind: string;
  operationId: string;
  request: Record<string, unknown>;
}

export interface Harness {
  host: Host;
  /** The host's own store (for spying on how it commits; assertions read the database through `row`/`status`). */
  store: Store;
  /** The host's plugin connection (a single one: no supervisor). */
  plugin: PluginClient;
  dir: string;
  dbPath: string;
  /** Replaces the driver's script; it is re-read on every call. */
  script(script: Script): void;
  /** Calls the driver received, oldest first. */
  calls(): ReceivedCall[];
  /** A row's status in the database (deleted rows included), or undefined when absent. */
  status(table: "groups" | "volumes" | "cgsnapshots" | "snapshots", id: string): string | undefined;
  /** One row as stored, raw columns. */
  row(table: "groups" | "volumes" | "cgsnapshots" | "snapshots", id: string): Record<string, unknown> | undefined;
  /** Runs a read-only query on the database. */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  /** A digest of the whole database after a checkpoint: equal digests mean byte-for-byte equal files. */
  fingerprint(): string;
  /**
   * Sets a row's status behind the host's back, from a connection of its own: arranges a state
   * only a host killed mid-operation leaves behind (a row still `creating`, `updating`, ...).
   */
  forceStatus(table: "groups" | "volumes" | "cgsnapshots" | "snapshots", id: string, status: string): void;
  close(): Promise<void>;
}

/** Starts the scripted driver, opens a store in a temporary directory and builds a host around them. */
export async function startHarness(
  options: { script?: Script; deadlinesMs?: Record<string, number>; logger?: Logger; outcomeWaitMs?: number } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "cghost-test-"));
  const scriptPath = join(dir, "script.json");
  const callsPath = join(dir, "calls.jsonl");
  const dbPath = join(dir, "cghost.db");
  writeFileSync(scriptPath, JSON.stringify(options.script ?? {}));
  appendFileSync(callsPath, "");
  const store = openSqliteStore({ path: dbPath });
  let host: Host;
  let plugin: PluginClient;
  try {
    plugin = await launchPlugin({
      command: process.execPath,
      args: [SCRIPTED_DRIVER],
      env: { CGHOST_SCRIPT: scriptPath, CGHOST_CALLS: callsPath },
    });
    host = createHost({
      store,
      plugin,
      ...(options.deadlinesMs ? { deadlinesMs: options.deadlinesMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.outcomeWaitMs === undefined ? {} : { outcomeWaitMs: options.outcomeWaitMs }),
    });
  } catch (error) {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  return {
    host,
    store,
    plugin,
    dir,
    dbPath,
    script: (script) => writeFileSync(scriptPath, JSON.stringify(script)),
    calls: () =>
      readFileSync(callsPath, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as ReceivedCall),
    status: (table, id) => (reader.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status?: string } | undefined)?.status,
    row: (table, id) => reader.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined,
    query: <T>(sql: string, ...params: unknown[]) => reader.prepare(sql).all(...params) as T[],
    fingerprint: () => fingerprintDb(dbPath),
    forceStatus: (table, id, status) => {
      const writer = new Database(dbPath, { fileMustExist: true });
      try {
        if (writer.prepare(`UPDATE ${table} SET status = ? WHERE id = ?`).run(status, id).changes !== 1) throw new Error(`no ${table} row ${id}`);
      } finally {
        writer.close();
      }
    },
    close: async () => {
      reader.close();
      try {
        await host.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Registers `count` available volumes of type `gold` and returns their ids. */
export function registerVolumes(host: Host, count: number, sizeGb = 1): string[] {
  return Array.from({ length: count }, (_, i) => host.registerVolume({ sizeGb, volumeType: "gold", name: `vol-${i}` }).id);
}

/** Creates an available group of type `gold` holding `count` new volumes, with a driver that answers `{}`. */
export async function groupWithVolumes(h: Harness, count: number): Promise<{ groupId: string; volumeIds: string[] }> {
  h.script({});
  const group = await h.host.createGroup({ name: "g", volumeTypes: ["gold"] });
  const volumeIds = registerVolumes(h.host, count);
  if (count > 0) await h.host.updateGroup(group.id, { addVolumeIds: volumeIds });
  return { groupId: group.id, volumeIds };
}

/** Expects `promise` to reject with a HostError of `code`, and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code: string; failure?: { ruleId: string; grpcCode?: number; cause: string; written: Array<{ id: string; status: string }> } }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error("expected the call to fail, and it succeeded");
}

/** The HostError a synchronous call throws; fails the test when it throws nothing or something else. */
export function refusal(fn: () => unknown): HostError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HostError) return error;
    throw error;
  }
  throw new Error("expected a HostError");
}

/** A digest of the whole database after a checkpoint: equal digests mean equal files. */
export function fingerprintDb(dbPath: string): string {
  const writer = new Database(dbPath, { fileMustExist: true });
  try {
    writer.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    writer.close();
  }
  const hash = createHash("sha256").update(readFileSync(dbPath));
  const wal = `${dbPath}-wal`;
  if (existsSync(wal)) hash.update(readFileSync(wal));
  return hash.digest("hex");
}
