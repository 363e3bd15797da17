// End to end, as a script would use it: `cghost serve` runs as a process in a temporary data
// directory with the example file driver; the client commands (--json) drive a whole lifecycle;
// the statuses are checked in the answers and in the SQLite file itself; /metrics counts what
// happened; SIGTERM stops the server and its plugin child with nothing left behind.
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_DRIVER_MAIN, isAlive, removeDir, runCli, runJson, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

let dataDir: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  dataDir = temporaryDir("cghost-e2e-");
  // The file driver at 4 KiB per GB keeps every volume file tiny.
  const config = writeConfig(dataDir, {
    plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }],
    shutdownGraceMs: 10_000,
  });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

type Row = { id: string; status: string; [key: string]: unknown };

/** Runs a command that must succeed and returns its JSON. */
async function ok(args: string[]): Promise<Row> {
  const { code, json, stderr } = await runJson([...args, "--data-dir", dataDir]);
  expect(code, `cghost ${args.join(" ")} failed: ${JSON.stringify(json)} ${stderr}`).toBe(0);
  // No spinner or anything else on a pipe.
  expect(stderr).toBe("");
  return json as Row;
}

/** Runs a command that must fail and returns its exit code and error object. */
async function fails(args: string[]): Promise<{ code: number; error: { code: string; message: string; hint: string } }> {
  const { code, json } = await runJson([...args, "--data-dir", dataDir]);
  return { code, error: json.error as { code: string; message: string; hint: string } };
}

function statusesIn(table: string, ids: string[]): Record<string, string> {
  const db = new Database(join(dataDir, "cghost.db"), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT id, status FROM ${table} WHERE id IN (${ids.map(() => "?").join(",")})`).all(...ids) as Array<{ id: string; status: string }>;
    return Object.fromEntries(rows.map((r) => [r.id, r.status]));
  } finally {
    db.close();
  }
}

describe("cghost serve with the CLI, end to end", () => {
  it("prints where everything is and writes serve.json", () => {
    const state = serve!.state();
    expect(serve!.stdout).toContain(`front API   unix:${join(dataDir, "cghost.sock")}`);
    expect(serve!.stdout).toContain(state.metricsUrl);
    expect(serve!.stdout).toContain("Try it from another terminal");
    expect(state.address).toBe(`unix:${join(dataDir, "cghost.sock")}`);
    expect(state.pid).toBe(serve!.child.pid);
    expect(state.plugin.name).toBe("file-driver");
    expect(state.plugin.pid !== undefined && isAlive(state.plugin.pid)).toBe(true);
    expect(FILE_DRIVER_MAIN).toBeTruthy();
  });

  it("drives a whole lifecycle, and the database agrees with every answer", async () => {
    const v1 = await ok(["volume", "create", "--size-gb", "1", "--volume-type", "standard", "--name", "data"]);
    const v2 = await ok(["volume", "create", "--size-gb", "2", "--volume-type", "standard"]);
    expect([v1.status, v2.status]).toEqual(["available", "available"]);

    const group = await ok(["group", "create", "--name", "db-1", "--volume-type", "standard"]);
    expect(group.status).toBe("available");
    expect(group.volumes).toEqual([]);

    const updated = await ok(["group", "update", group.id, "--add", `${v1.id},${v2.id}`]);
    expect(updated.status).toBe("available");
    expect((updated.volumes as Row[]).map((v) => [v.id, v.status, v.groupId])).toEqual([
      [v1.id, "available", group.id],
      [v2.id, "available", group.id],
    ]);

    const cgsnapshot = await ok(["cgsnapshot", "create", group.id]);
    expect(cgsnapshot.status).toBe("available");
    expect((cgsnapshot.snapshots as Row[]).map((s) => s.status)).toEqual(["available", "available"]);

    const clone = await ok(["group", "create-from-source", "--name", "db-1-clone", "--cgsnapshot", cgsnapshot.id]);
    expect(clone.status).toBe("available");
    expect(clone.sourceCgsnapshotId).toBe(cgsnapshot.id);
    const cloneVolumes = clone.volumes as Row[];
    expect(cloneVolumes.map((v) => [v.status, v.sizeGb])).toEqual([
      ["available", 1],
      ["available", 2],
    ]);

    const copy = await ok(["group", "create-from-source", "--name", "db-1-copy", "--group", group.id]);
    expect(copy.status).toBe("available");
    expect((copy.volumes as Row[]).length).toBe(2);

    const shown = await ok(["group", "show", group.id]);
    expect(shown.status).toBe("available");
    expect((shown.volumes as Row[]).map((v) => ({ id: v.id, status: v.status }))).toEqual([
      { id: v1.id, status: "available" },
      { id: v2.id, status: "available" },
    ]);

    // Refused (a cgsnapshot still exists), bad input (no such group): nothing written.
    const refused = await fails(["group", "delete", group.id, "--delete-volumes"]);
    expect(refused.code).toBe(3);
    expect(refused.error.code).toBe("INVALID_STATUS");
    expect(refused.error.message).toContain(cgsnapshot.id);
    const missing = await fails(["group", "show", "00000000-0000-4000-8000-000000000000"]);
    expect(missing.code).toBe(2);
    expect(missing.error.code).toBe("NOT_FOUND");

    const removed = await ok(["group", "update", group.id, "--remove", v2.id]);
    expect((removed.volumes as Row[]).map((v) => v.id)).toEqual([v1.id]);
    expect((await ok(["volume", "show", v2.id])).groupId).toBeNull();

    const deletedSnapshot = await ok(["cgsnapshot", "delete", cgsnapshot.id]);
    expect(deletedSnapshot.status).toBe("deleted");

    const deleted = await ok(["group", "delete", group.id, "--delete-volumes"]);
    expect(deleted.status).toBe("deleted");
    expect((deleted.volumes as Row[]).map((v) => v.status)).toEqual(["deleted"]);
    const afterDelete = await ok(["group", "show", group.id]);
    expect(afterDelete.status).toBe("deleted");
    expect((afterDelete.volumes as Row[]).map((v) => ({ id: v.id, status: v.status }))).toEqual([{ id: v1.id, status: "deleted" }]);

    // The database itself, read directly.
    expect(statusesIn("groups", [group.id, clone.id, copy.id])).toEqual({ [group.id]: "deleted", [clone.id]: "available", [copy.id]: "available" });
    expect(statusesIn("volumes", [v1.id, v2.id, ...cloneVolumes.map((v) => v.id)])).toEqual({
      [v1.id]: "deleted",
      [v2.id]: "available",
      [cloneVolumes[0]!.id]: "available",
      [cloneVolumes[1]!.id]: "available",
    });
    expect(statusesIn("cgsnapshots", [cgsnapshot.id])).toEqual({ [cgsnapshot.id]: "deleted" });

    const groups = (await ok(["group", "list"])) as unknown as { groups: Row[] };
    expect(groups.groups.map((g) => g.id).sort()).toEqual([clone.id, copy.id].sort());
  });

  it("shows the plugin's state, version, capabilities and restarts", async () => {
    const { plugins } = (await ok(["plugin", "list"])) as unknown as { plugins: Array<Record<string, unknown>> };
    expect(plugins).toEqual([
      expect.objectContaining({
        name: "file-driver",
        state: "ready",
        vendorVersion: "0.1.0",
        restarts: 0,
        pid: serve!.state().plugin.pid,
        createFromSourceKinds: ["cgsnapshot", "group"],
      }),
    ]);
    const human = await runCli(["plugin", "show", "file-driver", "--data-dir", dataDir]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^plugin file-driver {2}ready$/m);
    // A plugin is named, not numbered: the hint says so.
    const unknown = await runCli(["plugin", "show", "nfs-driver", "--data-dir", dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("check the name; 'cghost plugin list' shows the ones that exist.");
  });

  it("counts operations, refusals and plugin RPCs on /metrics", async () => {
    const response = await fetch(serve!.state().metricsUrl!);
    expect(response.status).toBe(200);
    const text = await response.text();
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? "NaN");
    expect(value('cghost_operations_total{operation="create_group",outcome="succeeded"}')).toBe(1);
    expect(value('cghost_operations_total{operation="create_group_from_source",outcome="succeeded"}')).toBe(2);
    expect(value('cghost_operations_total{operation="update_group",outcome="succeeded"}')).toBe(2);
    expect(value('cghost_operations_total{operation="delete_group",outcome="invalid_status"}')).toBe(1);
    expect(value('cghost_operations_total{operation="delete_group",outcome="succeeded"}')).toBe(1);
    expect(value('cghost_operation_duration_seconds_count{operation="create_cgsnapshot",outcome="succeeded"}')).toBe(1);
    expect(value('cghost_plugin_rpc_duration_seconds_count{method="CreateConsistencyGroupFromSource",code="OK"}')).toBe(2);
    expect(value('cghost_plugin_state{plugin="file-driver",state="ready"}')).toBe(1);
    expect(value('cghost_plugin_state{plugin="file-driver",state="stopped"}')).toBe(0);
    expect(value('cghost_plugin_restarts_total{plugin="file-driver"}')).toBe(0);
  });

  it("stops cleanly on SIGTERM: exit 0, plugin child gone, serve.json and the socket removed", async () => {
    const state = serve!.state();
    const { code, signal } = await serve!.stop("SIGTERM");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(isAlive(state.pid)).toBe(false);
    expect(isAlive(state.plugin.pid!)).toBe(false);
    expect(existsSync(join(dataDir, "serve.json"))).toBe(false);
    expect(existsSync(join(dataDir, "cghost.sock"))).toBe(false);
    expect(serve!.stderr).toContain('"msg":"stopped"');
    // And a client now says plainly that nothing answers, with exit code 3.
    const after = await fails(["group", "list"]);
    expect(after.code).toBe(3);
    expect(after.error.code).toBe("SERVER_UNAVAILABLE");
    expect(after.error.hint).toContain(`cghost serve --data-dir ${dataDir}`);
  });
});

describe("cghost serve asked to stop while it starts", () => {
  it("stops once started, without announcing itself: exit 0, no plugin left, nothing left in the data directory", async () => {
    const dir = temporaryDir("cghost-early-stop-");
    const early = ServeProcess.launch(dir, ["--config", writeConfig(dir, { plugins: [{ builtin: "file-driver", args: ["--bytes-per-gb", "4096"] }] })]);
    try {
      // The plugin is being launched: the server is mid-start.
      await early.waitFor("starting -> handshaking", 20_000, "stderr");
      expect(await early.stop("SIGTERM")).toEqual({ code: 0, signal: null });
      expect(early.stdout).toContain("Stopping: a stop was asked while cghost was starting.");
      expect(early.stdout).not.toContain("cghost is serving.");
      const started = /"to":"handshaking"[^\n]*"pid":(\d+)/.exec(early.stderr);
      expect(started, early.stderr).not.toBeNull();
      expect(isAlive(Number(started![1]))).toBe(false);
      for (const name of ["serve.json", "cghost.sock"]) expect(existsSync(join(dir, name)), name).toBe(false);
    } finally {
      early.kill();
      removeDir(dir);
    }
  });
});
