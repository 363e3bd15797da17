// `cghost operation list|show|watch` against a `cghost serve` process, as a person or a script
// runs them. list and show give the journal as the SQLite file holds it. watch prints each
// operation once its outcome commits, one line (with --json, one JSON object per line) whose
// statuses are the ones in the file; --group filters and refuses a group that does not exist;
// --count and Ctrl-C end it with exit code 0, the server stopping with exit code 3.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { removeDir, runCli, runJson, ServeProcess, startCli, temporaryDir, writeConfig, type RunningCli } from "./cli-harness.js";

let dataDir: string;
let config: string;
let serve: ServeProcess | undefined;
const watchers: RunningCli[] = [];

beforeAll(async () => {
  dataDir = temporaryDir("cghost-watch-");
  config = writeConfig(dataDir, { plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }], shutdownGraceMs: 10_000 });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterEach(() => {
  for (const watcher of watchers.splice(0)) watcher.kill();
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

/** Starts `cghost operation watch ...args` and waits until the server has taken the watch. */
async function watch(args: string[]): Promise<RunningCli> {
  const watcher = startCli(["operation", "watch", ...args, "--data-dir", dataDir]);
  watchers.push(watcher);
  await watcher.waitFor("Watching ", 15_000, "stderr");
  return watcher;
}

async function ok(args: string[]): Promise<{ id: string; status: string }> {
  const { code, json, stderr } = await runJson([...args, "--data-dir", dataDir]);
  expect(code, `cghost ${args.join(" ")}: ${JSON.stringify(json)} ${stderr}`).toBe(0);
  return json as { id: string; status: string };
}

interface WatchedEvent {
  operationId: string;
  operation: string;
  ok: boolean;
  ruleId: string;
  cause: string | null;
  groupId: string;
  requestId: string;
  durationMs: number;
  at: string;
  written: Array<{ kind: string; id: string; status: string }>;
  warnings: string[];
}

/** The nth JSON line the watcher printed (1-based), once it has. */
async function nthEvent(watcher: RunningCli, n: number): Promise<WatchedEvent> {
  for (;;) {
    const lines = watcher.stdout.split("\n").filter((l) => l !== "");
    if (lines.length >= n) return JSON.parse(lines[n - 1]!) as WatchedEvent;
    await new Promise<void>((resolve) => watcher.child.stdout!.once("data", () => resolve()));
  }
}

const TABLE_BY_KIND: Record<string, string> = { group: "groups", volume: "volumes", cgsnapshot: "cgsnapshots", snapshot: "snapshots" };

/** What the database holds now for each row an event names, and its journal entry. */
function inDatabase(event: WatchedEvent): { written: WatchedEvent["written"]; journal: unknown } {
  const db = new Database(join(dataDir, "cghost.db"), { readonly: true, fileMustExist: true });
  try {
    const written = event.written.map((w) => {
      const row = db.prepare(`SELECT status FROM ${TABLE_BY_KIND[w.kind]} WHERE id = ?`).get(w.id) as { status: string } | undefined;
      return { kind: w.kind, id: w.id, status: row?.status ?? "(no row)" };
    });
    const journal = db.prepare("SELECT kind, group_id AS groupId, state, result FROM journal WHERE operation_id = ?").get(event.operationId);
    return { written, journal };
  } finally {
    db.close();
  }
}

describe("cghost operation list and show", () => {
  it("list the journal newest first and show one operation with its rows, as the database holds them", async () => {
    const group = await ok(["group", "create", "--name", "journaled", "--volume-type", "standard"]);
    const volume = await ok(["volume", "create", "--size-gb", "1", "--volume-type", "standard"]);
    await ok(["group", "update", group.id, "--add", volume.id]);
    const listed = (await runJson(["operation", "list", "--group", group.id, "--data-dir", dataDir])).json.operations as Array<Record<string, unknown>>;
    expect(listed.map((o) => [o.operation, o.state, o.result])).toEqual([
      ["update_group", "done", "R4.3"],
      ["create_group", "done", "R1.3"],
    ]);
    const db = new Database(join(dataDir, "cghost.db"), { readonly: true, fileMustExist: true });
    try {
      const journal = db.prepare("SELECT operation_id AS operationId, kind, state, result FROM journal WHERE group_id = ? ORDER BY operation_id DESC").all(group.id);
      expect(listed.map((o) => ({ operationId: o.operationId, kind: o.operation, state: "closed", result: o.result }))).toEqual(journal);
    } finally {
      db.close();
    }
    expect(listed[0]).toMatchObject({ groupId: group.id, rows: { groups: 1, volumes: 1, cgsnapshots: 0, snapshots: 0 } });
    const limited = (await runJson(["operation", "list", "--limit", "1", "--data-dir", dataDir])).json.operations as unknown[];
    expect(limited).toEqual([listed[0]]);
    expect((await runJson(["operation", "list", "--open", "--data-dir", dataDir])).json).toEqual({ operations: [] });

    const shown = await runJson(["operation", "show", String(listed[0]!.operationId), "--data-dir", dataDir]);
    expect(shown.code).toBe(0);
    expect(shown.json).toEqual({ ...listed[0], rows: { groups: [group.id], volumes: [volume.id], cgsnapshots: [], snapshots: [] } });
    const text = await runCli(["operation", "show", String(listed[0]!.operationId), "--data-dir", dataDir]);
    expect(text.stdout).toMatch(new RegExp(`^operation ${String(listed[0]!.operationId)}  done\\n  operation +update_group\\n  result +R4\\.3\\n`));
    expect(text.stdout).toMatch(new RegExp(`\\n  volumes +${volume.id}\\n`));
    const table = await runCli(["operation", "list", "--group", group.id, "--data-dir", dataDir]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID +OPERATION +STATE +RESULT +GROUP +STARTED +TOOK$/);
    expect(table.stdout.split("\n")[1]).toMatch(new RegExp(`^${String(listed[0]!.operationId)}  update_group +done +R4\\.3 +${group.id}  \\S+Z +\\d+ ms$`));
  });

  it("refuse an unknown operation, an unknown group and a bad --limit, naming each", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    const unknown = await runJson(["operation", "show", missing, "--data-dir", dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error).toMatchObject({ code: "NOT_FOUND", message: `operation ${missing} does not exist (never run here, or older than the journal keeps)` });
    const group = await runJson(["operation", "list", "--group", missing, "--data-dir", dataDir]);
    expect(group.code).toBe(2);
    expect(group.json.error).toMatchObject({ code: "NOT_FOUND", message: `group ${missing} does not exist` });
    const limit = await runJson(["operation", "list", "--limit", "0", "--data-dir", dataDir]);
    expect(limit.code).toBe(2);
    expect(limit.json.error).toMatchObject({ code: "USAGE", message: '--limit "0" must be a whole number of operations from 1' });
  });
});

describe("cghost operation watch", () => {
  it("prints each operation once its outcome committed, with the statuses the database holds", async () => {
    const watcher = await watch(["--json", "--count", "3"]);
    const group = await ok(["group", "create", "--name", "watched", "--volume-type", "standard"]);
    const volume = await ok(["volume", "create", "--size-gb", "1", "--volume-type", "standard"]);
    const steps = [
      { args: [] as string[], operation: "create_group", ruleId: "R1.3" },
      { args: ["group", "update", group.id, "--add", volume.id], operation: "update_group", ruleId: "R4.3" },
      { args: ["group", "delete", group.id, "--delete-volumes"], operation: "delete_group", ruleId: "R3.2" },
    ];
    for (const [i, step] of steps.entries()) {
      if (step.args.length > 0) await ok(step.args);
      const event = await nthEvent(watcher, i + 1);
      expect(event).toMatchObject({ operation: step.operation, ok: true, ruleId: step.ruleId, cause: null, groupId: group.id, warnings: [] });
      expect(event.operationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(event.at))).toBe(false);
      // Read before the next operation: what the event says it wrote is what the database holds.
      const now = inDatabase(event);
      expect(event.written).toEqual(now.written);
      expect(now.journal).toEqual({ kind: step.operation, groupId: group.id, state: "closed", result: step.ruleId });
    }
    expect((await nthEvent(watcher, 2)).written).toEqual([
      { kind: "group", id: group.id, status: "available" },
      { kind: "volume", id: volume.id, status: "available" },
    ]);
    expect((await nthEvent(watcher, 3)).written.map((w) => w.status)).toEqual(["deleted", "deleted"]);
    // --count 3: it stops by itself after the third, with exit code 0 and nothing else printed.
    expect(await watcher.exit()).toEqual({ code: 0, signal: null });
    expect(watcher.stdout.trim().split("\n")).toHaveLength(3);
    expect(watcher.stderr).toBe(`Watching operations on unix:${join(dataDir, "cghost.sock")}; Ctrl-C to stop.\n`);
  });

  it("with --group, prints that group's operations only, a line each for a person", async () => {
    const watched = await ok(["group", "create", "--name", "only-this", "--volume-type", "standard"]);
    const watcher = await watch(["--group", watched.id, "--count", "1"]);
    expect(watcher.stderr).toContain(`Watching the operations of group ${watched.id} on `);
    const other = await ok(["group", "create", "--name", "not-this", "--volume-type", "standard"]);
    await ok(["group", "delete", other.id]);
    await ok(["group", "delete", watched.id]);
    expect(await watcher.exit()).toEqual({ code: 0, signal: null });
    const lines = watcher.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z  delete_group  succeeded \\(R3\\.2\\) in \\d+ ms  group ${watched.id}  operation [0-9a-f-]{36}  wrote group ${watched.id} deleted$`,
      ),
    );
    expect(watcher.stdout).not.toContain(other.id);
  });

  it("counts a run of one kind and status in a person's line instead of listing every id", async () => {
    const group = await ok(["group", "create", "--name", "many", "--volume-type", "standard"]);
    const volumes = [];
    for (let i = 0; i < 3; i++) volumes.push(await ok(["volume", "create", "--size-gb", "1", "--volume-type", "standard"]));
    await ok(["group", "update", group.id, "--add", volumes.map((v) => v.id).join(",")]);
    const watcher = await watch(["--group", group.id, "--count", "1"]);
    await ok(["group", "delete", group.id, "--delete-volumes"]);
    expect(await watcher.exit()).toEqual({ code: 0, signal: null });
    expect(watcher.stdout).toMatch(new RegExp(`  wrote group ${group.id} deleted, 3 volumes deleted\\n$`));
  });

  it("refuses a group that does not exist and a --count that is not a whole number from 1, watching nothing", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    const unknown = await runJson(["operation", "watch", "--group", missing, "--data-dir", dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error).toMatchObject({ code: "NOT_FOUND", message: `group ${missing} does not exist` });
    for (const count of ["0", "-1", "2.5", "x"]) {
      const bad = await runJson(["operation", "watch", "--count", count, "--data-dir", dataDir]);
      expect(bad.code, count).toBe(2);
      expect(bad.json.error, count).toMatchObject({ code: "USAGE", message: `--count ${JSON.stringify(count)} must be a whole number of operations from 1` });
    }
  });

  it("stops quietly, exit code 0, when whoever reads its output stops reading (| head)", async () => {
    const watcher = await watch([]);
    await ok(["group", "create", "--name", "piped-1", "--volume-type", "standard"]);
    await watcher.waitFor("create_group  succeeded", 15_000);
    // The reader goes away, as head does after its lines; the next line has nowhere to go.
    watcher.child.stdout!.destroy();
    await ok(["group", "create", "--name", "piped-2", "--volume-type", "standard"]);
    expect(await watcher.exit()).toEqual({ code: 0, signal: null });
    expect(watcher.stderr).not.toMatch(/EPIPE|Error/);
  });

  it("ends on Ctrl-C with exit code 0 and no error", async () => {
    const watcher = await watch([]);
    watcher.child.kill("SIGINT");
    expect(await watcher.exit()).toEqual({ code: 0, signal: null });
    expect(watcher.stdout).toBe("");
    expect(watcher.stderr).not.toContain("cghost:");
  });

  it("ends with exit code 3 when the server stops, its error a JSON line saying how to watch again", async () => {
    const watcher = await watch(["--json"]);
    const group = await ok(["group", "create", "--name", "last", "--volume-type", "standard"]);
    await nthEvent(watcher, 1);
    expect((await serve!.stop("SIGTERM")).code).toBe(0);
    expect(await watcher.exit()).toEqual({ code: 3, signal: null });
    const lines = watcher.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ operation: "create_group", groupId: group.id });
    const { error } = JSON.parse(lines[1]!) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe("SERVER_STOPPED");
    expect(error.message).toContain("stopped, which ended the watch after 1 operation(s)");
    expect(error.hint).toBe(`start the server again ('cghost serve --config ${config} --data-dir ${dataDir}'), then run 'cghost operation watch' again.`);
  });
});
