// A host over a *supervised* scripted driver (host/plugin/supervisor.ts): a real child process, a
// real socket and a real SQLite file, plus what the crash and supervision tests watch: every state
// event, the host's log lines (the plugin's stderr among them), and every pid the plugin ran as.
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { pino, type Logger } from "pino";
import { createHost, type Host } from "../../host/index.js";
import { superviseLaunchedPlugin, type PluginStateEvent, type PluginSupervisor, type SupervisionOptions } from "../../host/plugin/index.js";
import type { PluginState } from "../../host/plugin/plugin-client.js";
import { openSqliteStore } from "../../host/store/index.js";
import { fingerprintDb, SCRIPTED_DRIVER, type ReceivedCall, type Script } from "./host-harness.js";
import { isAlive } from "./processes.js";

export { isAlive };

export { fingerprintDb };

export type LogLine = Record<string, unknown>;

/** A pino logger whose lines a test can read, or wait for (a plugin's output arrives when it does). */
export function memoryLogger(): {
  logger: Logger;
  lines: () => LogLine[];
  /** The first line matching, among those from index `from` on (0: all). */
  waitFor: (match: (line: LogLine) => boolean, from?: number) => Promise<LogLine>;
} {
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
  const waitFor = (match: (line: LogLine) => boolean, from = 0): Promise<LogLine> => {
    const seen = written.slice(from).find(match);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  return { logger, lines: () => [...written], waitFor };
}

/** Records a supervisor's state events; `next` waits for one that has not happened before the mark. */
export function stateRecorder(plugin: Pick<PluginSupervisor, "on">): {
  events: PluginStateEvent[];
  /** Where the record stands now: pass it to `next` to wait only for later events. */
  mark(): number;
  next(to: PluginState, after: number): Promise<PluginStateEvent>;
} {
  const events: PluginStateEvent[] = [];
  const waiters: Array<{ to: PluginState; after: number; resolve: (event: PluginStateEvent) => void }> = [];
  plugin.on("state", (event) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.to === event.to && events.length - 1 >= waiter.after) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  return {
    events,
    mark: () => events.length,
    next: (to, after) => {
      const seen = events.slice(after).find((e) => e.to === to);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ to, after, resolve }));
    },
  };
}

export interface SupervisedHarness {
  host: Host;
  plugin: PluginSupervisor;
  dir: string;
  script(script: Script): void;
  calls(): ReceivedCall[];
  status(table: "groups" | "volumes" | "cgsnapshots" | "snapshots", id: string): string | undefined;
  row(table: "groups" | "volumes" | "cgsnapshots" | "snapshots", id: string): Record<string, unknown> | undefined;
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[];
  fingerprint(): string;
  states: ReturnType<typeof stateRecorder>;
  log: ReturnType<typeof memoryLogger>;
  /** Every pid the plugin ran as (from the handshaking events). */
  pids(): number[];
  close(): Promise<void>;
}

/** Starts the scripted driver under a supervisor with `supervision`, and a host around it. */
export async function startSupervisedHarness(
  options: { script?: Script; deadlinesMs?: Record<string, number>; supervision?: SupervisionOptions } = {},
): Promise<SupervisedHarness> {
  const dir = mkdtempSync(join(tmpdir(), "cghost-supervised-"));
  const scriptPath = join(dir, "script.json");
  const callsPath = join(dir, "calls.jsonl");
  const dbPath = join(dir, "cghost.db");
  writeFileSync(scriptPath, JSON.stringify(options.script ?? {}));
  appendFileSync(callsPath, "");
  const log = memoryLogger();
  const store = openSqliteStore({ path: dbPath });
  let plugin: PluginSupervisor;
  try {
    plugin = await superviseLaunchedPlugin({
      command: process.execPath,
      args: [SCRIPTED_DRIVER],
      env: { CGHOST_SCRIPT: scriptPath, CGHOST_CALLS: callsPath },
      logger: log.logger,
      stopGraceMs: 2_000,
      ...options.supervision,
    });
  } catch (error) {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const seenPids = new Set<number>(plugin.pid === undefined ? [] : [plugin.pid]);
  const states = stateRecorder(plugin);
  plugin.on("state", (event) => {
    if (event.pid !== undefined) seenPids.add(event.pid);
  });
  const host = createHost({ store, plugin, logger: log.logger, ...(options.deadlinesMs ? { deadlinesMs: options.deadlinesMs } : {}) });
  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  return {
    host,
    plugin,
    dir,
    // Atomically: the driver re-reads the script on every call and every Probe, at any moment.
    script: (script) => {
      writeFileSync(`${scriptPath}.next`, JSON.stringify(script));
      renameSync(`${scriptPath}.next`, scriptPath);
    },
    calls: () =>
      readFileSync(callsPath, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as ReceivedCall),
    status: (table, id) => (reader.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status?: string } | undefined)?.status,
    row: (table, id) => reader.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined,
    query: <T>(sql: string, ...params: unknown[]) => reader.prepare(sql).all(...params) as T[],
    fingerprint: () => fingerprintDb(dbPath),
    states,
    log,
    pids: () => [...seenPids],
    close: async () => {
      reader.close();
      const current = plugin.pid;
      try {
        await host.close();
      } finally {
        // A safety net for a supervisor bug: never leave the plugin running after a test. Only
        // the current child: the others' exits were seen, and their pids may be reused by now.
        if (current !== undefined && isAlive(current)) process.kill(current, "SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
