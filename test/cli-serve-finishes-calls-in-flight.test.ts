// SIGTERM while a driver call is in flight: the server refuses new calls, lets the call finish
// (here the driver hangs until the host's deadline, so the operation fails by the rules), writes
// its outcome, answers the client, and only then stops the plugin and exits 0. And when the call
// outlasts shutdownGraceMs: the server stops anyway, leaving the operation open, and the next
// start settles it with the same operation id.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlive, removeDir, runCli, runJson, ServeProcess, temporaryDir, writeConfig } from "./cli-harness.js";

const SCRIPTED_DRIVER = join(import.meta.dirname, "..", "dist", "test", "drivers", "scripted-driver.js");
const DEADLINE_MS = 1500;

let dataDir: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  dataDir = temporaryDir("cghost-stop-");
  writeFileSync(join(dataDir, "script.json"), JSON.stringify({ create_group: { hang: true } }));
  const config = writeConfig(dataDir, {
    plugins: [
      {
        command: process.execPath,
        args: [SCRIPTED_DRIVER],
        env: { CGHOST_SCRIPT: join(dataDir, "script.json"), CGHOST_CALLS: join(dataDir, "calls.jsonl") },
        deadlinesMs: { create_group: DEADLINE_MS },
        // One attempt: the hung call ends at its deadline instead of being retried.
        supervision: { retry: { maxAttempts: 1 } },
      },
    ],
    shutdownGraceMs: 20_000,
  });
  serve = await ServeProcess.start(dataDir, ["--config", config]);
});

afterAll(() => {
  serve?.kill();
  removeDir(dataDir);
});

/** Resolves once the driver has recorded a call of `kind` (it appends before it answers). */
async function driverReceived(kind: string, timeoutMs: number): Promise<void> {
  const calls = join(dataDir, "calls.jsonl");
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(calls) && readFileSync(calls, "utf8").includes(`"kind":"${kind}"`)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the driver received no ${kind} within ${timeoutMs} ms`);
}

describe("cghost serve stopping with a call in flight", () => {
  it("finishes the call, answers the client, then exits 0 with the plugin gone", async () => {
    const pluginPid = serve!.state().plugin.pid!;
    const inFlight = runJson(["group", "create", "--name", "slow", "--volume-type", "gold", "--data-dir", dataDir]);
    await driverReceived("create_group", 10_000);

    const stopped = serve!.stop("SIGTERM");
    // A new call is refused (the server no longer listens), whenever it arrives.
    const late = await runJson(["group", "list", "--data-dir", dataDir]);
    expect(late.code).toBe(3);
    expect((late.json.error as { code: string }).code).toBe("SERVER_UNAVAILABLE");
    const answer = await inFlight;
    // The driver never answered: the host's deadline ended the call, and the rules failed it.
    expect(answer.code).toBe(4);
    const error = answer.json.error as { code: string; failure: { written: Array<{ kind: string; id: string; status: string }> } };
    expect(error.code).toBe("OPERATION_FAILED");
    const group = error.failure.written.find((w) => w.kind === "group")!;
    expect(group.status).toBe("error");

    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(isAlive(pluginPid)).toBe(false);

    // The outcome is in the database and no operation was left open.
    const db = new Database(join(dataDir, "cghost.db"), { readonly: true });
    try {
      expect(db.prepare("SELECT status FROM groups WHERE id = ?").get(group.id)).toEqual({ status: "error" });
      expect(db.prepare("SELECT count(*) AS open FROM journal WHERE state = 'open'").get()).toEqual({ open: 0 });
    } finally {
      db.close();
    }
  });
});

describe("cghost serve stopping with a call that outlasts the grace", () => {
  let dir: string;
  let server: ServeProcess | undefined;
  let config: string;
  beforeAll(async () => {
    dir = temporaryDir("cghost-stop-grace-");
    writeFileSync(join(dir, "script.json"), JSON.stringify({ create_group: { hang: true } }));
    config = writeConfig(dir, {
      plugins: [
        {
          command: process.execPath,
          args: [SCRIPTED_DRIVER],
          env: { CGHOST_SCRIPT: join(dir, "script.json"), CGHOST_CALLS: join(dir, "calls.jsonl") },
          // Far beyond this test's timeout: a stop that waited for it would fail the test.
          deadlinesMs: { create_group: 600_000 },
        },
      ],
      shutdownGraceMs: 300,
    });
    server = await ServeProcess.start(dir, ["--config", config]);
  });
  afterAll(() => {
    server?.kill();
    removeDir(dir);
  });

  it("stops after the grace, leaving the operation open, and the next start settles it with the same operation id", async () => {
    const pluginPid = server!.state().plugin.pid!;
    const inFlight = runJson(["group", "create", "--name", "hung", "--volume-type", "gold", "--data-dir", dir]);
    const calls = join(dir, "calls.jsonl");
    const until = Date.now() + 10_000;
    while (!(existsSync(calls) && readFileSync(calls, "utf8").includes('"kind":"create_group"'))) {
      if (Date.now() > until) throw new Error("the driver received no create_group");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await server!.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(isAlive(pluginPid)).toBe(false);
    // The client was cancelled after the grace: the outcome is unknown to it.
    expect((await inFlight).code).toBe(5);
    expect(server!.stderr).toContain("the next start settles them");
    const read = <T>(sql: string): T => {
      const db = new Database(join(dir, "cghost.db"), { readonly: true });
      try {
        return db.prepare(sql).get() as T;
      } finally {
        db.close();
      }
    };
    // Left as a killed server leaves it: the row in its transitional status, the journal entry open.
    expect(read("SELECT status FROM groups WHERE name = 'hung'")).toEqual({ status: "creating" });
    expect(read("SELECT count(*) AS open FROM journal WHERE state = 'open'")).toEqual({ open: 1 });

    // Started again with the driver still hanging, the server settles before it serves: a client
    // meanwhile is told a server is starting, not to start one.
    const settling = ServeProcess.launch(dir, ["--config", config]);
    try {
      await settling.waitFor("Settling 1 operation(s)", 20_000);
      const early = await runCli(["group", "list", "--data-dir", dir]);
      expect(early.code).toBe(3);
      expect(early.stderr).toContain(`a cghost serve (pid ${settling.child.pid}) is starting in ${dir}, settling 1 operation(s) a previous server left unfinished`);
      // Stopped while it settles: the re-issued call gets the grace, then the server exits 0 and the
      // operation stays open for the next start (the deadline is ten minutes away).
      expect(await settling.stop("SIGTERM")).toEqual({ code: 0, signal: null });
      expect(settling.stdout).toContain("Stopping: a stop was asked while cghost was starting.");
      expect(read("SELECT count(*) AS open FROM journal WHERE state = 'open'")).toEqual({ open: 1 });
      expect(existsSync(join(dir, "serve.starting"))).toBe(false);
    } finally {
      settling.kill();
    }

    writeFileSync(join(dir, "script.json"), "{}");
    server = await ServeProcess.start(dir, ["--config", config]);
    expect(server.stdout).toContain("recovered   1 operation(s)");
    expect(read("SELECT status FROM groups WHERE name = 'hung'")).toEqual({ status: "available" });
    expect(read("SELECT count(*) AS open FROM journal WHERE state = 'open'")).toEqual({ open: 0 });
    const received = readFileSync(calls, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { kind: string; operationId: string });
    // The first call, the stopped settling server's re-issue, and the one that settled it: one operation id.
    expect(received.map((c) => c.kind)).toEqual(["create_group", "create_group", "create_group"]);
    expect(new Set(received.map((c) => c.operationId)).size).toBe(1);
  });
});
