// The plugin supervisor (host/plugin/supervisor.ts) against real processes: restarts with backoff,
// crash loops and reset(), readiness (Probe) refusing calls before any write, retries of a hanging
// call with the same operation id, garbage on stdout, contract mismatch, no process left after
// close, and a sidecar lost under a running host: refused while known gone, retried inside the
// operation's deadline when a call finds it gone, raised with the cause once the deadline passes.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { CreateConsistencyGroupRequest } from "../host/contract.js";
import { createHost, openHost, type Host } from "../host/index.js";
import { backoffDelay } from "../host/plugin/backoff.js";
import { PluginLaunchError, superviseLaunchedPlugin, superviseSidecar, type PluginSupervisor } from "../host/plugin/index.js";
import { openSqliteStore } from "../host/store/index.js";
import { rejection, SCRIPTED_DRIVER } from "./support/host-harness.js";
import { fingerprintDb, isAlive, memoryLogger, startSupervisedHarness, stateRecorder, type SupervisedHarness } from "./support/supervised-harness.js";

const FIXTURE = join(import.meta.dirname, "drivers", "handshake-fixture.mjs");
const QUICK = { restartBackoff: { initialMs: 10, maxMs: 100 }, probeIntervalMs: 0 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
});

async function harness(options: Parameters<typeof startSupervisedHarness>[0]): Promise<SupervisedHarness> {
  const h = await startSupervisedHarness(options);
  cleanups.push(() => h.close());
  return h;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cghost-supervisor-test-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("backoff", () => {
  it("grows by the multiplier from initial up to max, spread by the jitter", () => {
    const options = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.2 };
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, middle))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, options, () => 0)).toBe(320);
    expect(backoffDelay(3, options, () => 0.999999)).toBe(480);
  });
});

describe("restarts", () => {
  it("restarts a crashed child with a new pid, and counts it; every transition is an event and a log line", async () => {
    const h = await harness({ supervision: QUICK });
    for (const round of [1, 2]) {
      const oldPid = h.plugin.pid!;
      const mark = h.states.mark();
      process.kill(oldPid, "SIGKILL");
      const ready = await h.states.next("ready", mark);
      expect(h.states.events.slice(mark).map((e) => e.to)).toEqual(["restarting", "handshaking", "ready"]);
      const [restarting, handshaking] = h.states.events.slice(mark);
      expect(restarting).toMatchObject({ from: "ready", pid: oldPid, restarts: round - 1, reason: `the plugin (pid ${oldPid}) was killed by SIGKILL` });
      expect(handshaking!.pid).not.toBe(oldPid);
      expect(ready).toMatchObject({ from: "handshaking", pid: handshaking!.pid, restarts: round });
      expect(h.plugin.restarts).toBe(round);
      expect(isAlive(oldPid)).toBe(false);
    }
    const transitions = h.log.lines().filter((l) => typeof l.msg === "string" && /^plugin \S+ -> \S+$/.test(l.msg as string));
    expect(transitions.slice(-3).map((l) => l.msg)).toEqual(["plugin ready -> restarting", "plugin restarting -> handshaking", "plugin handshaking -> ready"]);
    expect(transitions.at(-1)).toMatchObject({ plugin: "scripted-driver", restarts: 2 });
    await h.host.createGroup({ name: "after", volumeTypes: ["gold"] });
  });

  it("a crash loop marks the plugin failed; calls are refused with PLUGIN_UNAVAILABLE and nothing written, until reset()", async () => {
    const h = await harness({ supervision: { ...QUICK, crashLoop: { maxCrashes: 3, windowMs: 60_000 } } });
    await h.host.createGroup({ name: "before", volumeTypes: ["gold"] });
    const mark = h.states.mark();
    let last = 0;
    for (let crash = 1; crash <= 3; crash++) {
      last = h.plugin.pid!;
      process.kill(last, "SIGKILL");
      if (crash < 3) await h.states.next("ready", h.states.mark());
    }
    const failed = await h.states.next("failed", mark);
    expect(failed.reason).toContain("it crashed 3 times within 60000 ms");
    expect(failed.stderrTail).toBeDefined();
    expect(h.plugin.pid).toBeUndefined();
    expect(isAlive(last)).toBe(false);

    const before = h.fingerprint();
    const callsBefore = h.calls().length;
    const error = await rejection(h.host.createGroup({ name: "refused", volumeTypes: ["gold"] }));
    expect(error.code).toBe("PLUGIN_UNAVAILABLE");
    expect(error.message).toContain("plugin 'scripted-driver' is failed (");
    expect(error.message).toContain(`the plugin (pid ${last}) was killed by SIGKILL`);
    expect(error.message).toContain("nothing was written");
    expect(error.message).toContain("then reset it (resetPlugin; 'cghost plugin reset scripted-driver' on the command line)");
    expect(h.fingerprint()).toBe(before);
    expect(h.calls()).toHaveLength(callsBefore);

    const back = h.states.mark();
    h.plugin.reset();
    const ready = await h.states.next("ready", back);
    expect(h.states.events.slice(back).map((e) => e.to)).toEqual(["restarting", "handshaking", "ready"]);
    expect(ready.reason).toBe("Probe says ready");
    await h.host.createGroup({ name: "after reset", volumeTypes: ["gold"] });
  });
});

describe("readiness", () => {
  it("refuses calls while Probe says not ready, writing nothing, and accepts them once it is ready", async () => {
    const h = await harness({ supervision: { ...QUICK, probeIntervalMs: 30 } });
    const mark = h.states.mark();
    h.script({ probe: { ready: false, message: "backend array-7 unreachable" } });
    const notReady = await h.states.next("not-ready", mark);
    expect(notReady.reason).toBe("Probe says not ready: backend array-7 unreachable");
    expect(h.plugin.availability()).toMatchObject({ callable: false, state: "not-ready" });

    const before = h.fingerprint();
    const callsBefore = h.calls().length;
    const error = await rejection(h.host.createGroup({ name: "refused", volumeTypes: ["gold"] }));
    expect(error.code).toBe("PLUGIN_UNAVAILABLE");
    expect(error.message).toBe(
      "PLUGIN_UNAVAILABLE: plugin 'scripted-driver' is not-ready (Probe says not ready: backend array-7 unreachable); create_group was refused and nothing was written; " +
        "retry once its Probe reports ready; its log and its backend say why it is not",
    );
    expect(h.fingerprint()).toBe(before);
    expect(h.calls()).toHaveLength(callsBefore);

    const back = h.states.mark();
    h.script({});
    await h.states.next("ready", back);
    const group = await h.host.createGroup({ name: "accepted", volumeTypes: ["gold"] });
    expect(h.status("groups", group.id)).toBe("available");
  });
});

describe("retries", () => {
  it("a call that hangs past its deadline is retried with the same operation id, then raised with the cause", async () => {
    const h = await harness({
      supervision: { ...QUICK, retry: { maxAttempts: 3, operationDeadlineMs: 20_000 } },
      deadlinesMs: { create_group: 300 },
      script: { create_group: { hang: true } },
    });
    const error = await rejection(h.host.createGroup({ name: "slow", volumeTypes: ["gold"] }));
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.failure).toMatchObject({ ruleId: "R1.1", cause: "DEADLINE_EXCEEDED", grpcCode: 4 });
    expect(error.message).toContain("CreateConsistencyGroup was not completed after 3 attempt(s) with the same operation id: the retry budget (3 attempts) is spent");
    expect(error.message).toContain("last cause: the plugin did not answer CreateConsistencyGroup within its deadline of 300 ms");
    const calls = h.calls().filter((c) => c.kind === "create_group");
    expect(calls).toHaveLength(3);
    const { operationId } = error.failure as unknown as { operationId: string };
    expect(calls.map((c) => c.operationId)).toEqual([operationId, operationId, operationId]);
    expect(h.status("groups", error.failure!.written[0]!.id)).toBe("error");
    // Nothing crashed: the same process took all three attempts.
    expect(h.plugin.restarts).toBe(0);
  });
});

describe("the plugin's own codes after the request was sent (RULES.md section 8)", () => {
  it.each([
    { name: "ABORTED", code: 10 },
    { name: "CANCELLED", code: 1 },
  ])("$name is uncertain: retried with the same operation id within the budget, then raised with the cause", async ({ name, code }) => {
    const h = await harness({
      supervision: { ...QUICK, retry: { maxAttempts: 2, operationDeadlineMs: 20_000 } },
      script: { create_group: { fail: { code, message: `the array said ${name}` } } },
    });
    const error = await rejection(h.host.createGroup({ name: "uncertain", volumeTypes: ["gold"] }));
    expect(error.failure).toMatchObject({ ruleId: "R1.1", grpcCode: code });
    expect(error.message).toContain("the retry budget (2 attempts) is spent");
    expect(error.message).toContain(`the array said ${name}`);
    const calls = h.calls().filter((c) => c.kind === "create_group");
    const { operationId } = error.failure as unknown as { operationId: string };
    expect(calls.map((c) => c.operationId)).toEqual([operationId, operationId]);
    const id = error.failure!.written[0]!.id;
    expect(h.status("groups", id)).toBe("error");
    expect(JSON.parse(String(h.row("groups", id)?.last_error))).toMatchObject({ grpcCode: code });
  });

  it("UNIMPLEMENTED for a declared operation is final: raised at once, never retried", async () => {
    const h = await harness({
      supervision: { ...QUICK, retry: { maxAttempts: 3, operationDeadlineMs: 20_000 } },
      script: { create_group: { fail: { code: 12, message: "not on this array model" } } },
    });
    const error = await rejection(h.host.createGroup({ name: "final", volumeTypes: ["gold"] }));
    expect(error.failure).toMatchObject({ ruleId: "R1.1", grpcCode: 12 });
    expect(error.message).toContain("not on this array model");
    expect(h.calls().filter((c) => c.kind === "create_group")).toHaveLength(1);
    expect(h.status("groups", error.failure!.written[0]!.id)).toBe("error");
  });
});

describe("start-up", () => {
  it("garbage on stdout before and after the handshake does not matter", async () => {
    const { logger, waitFor } = memoryLogger();
    const plugin = await superviseLaunchedPlugin({ command: process.execPath, args: [FIXTURE], env: { FIXTURE_MODE: "garbage-stdout" }, logger, ...QUICK });
    cleanups.push(() => plugin.close());
    expect(plugin.state).toBe("ready");
    await waitFor((l) => l.stream === "stdout" && l.msg === "more junk after the handshake");
    const outcome = await plugin.call("create_group", CreateConsistencyGroupRequest.fromPartial({ operationId: "op-g" }), { deadlineMs: 5000 });
    expect(outcome.kind).toBe("returned");
  });

  it("a contract version the host does not speak fails the start with both lists named, leaving no process", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pid");
    const error = await superviseLaunchedPlugin({ command: process.execPath, args: [FIXTURE], env: { FIXTURE_MODE: "contract-v9", FIXTURE_PID_FILE: pidFile }, ...QUICK }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PluginLaunchError);
    expect((error as PluginLaunchError).code).toBe("PLUGIN_CONTRACT_MISMATCH");
    expect((error as PluginLaunchError).message).toContain("the host speaks contract versions [v1] and the plugin (GetPluginInfo) speaks [v9]");
    expect(isAlive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("openHost supervises its plugin; after host.close() no plugin process remains", async () => {
    const dir = tempDir();
    const script = join(dir, "script.json");
    writeFileSync(script, "{}");
    const host = await openHost({
      storePath: join(dir, "cghost.db"),
      plugin: { command: process.execPath, args: [SCRIPTED_DRIVER], env: { CGHOST_SCRIPT: script, CGHOST_CALLS: join(dir, "calls.jsonl") } },
      supervision: QUICK,
    });
    const pid = host.pluginPid!;
    expect(isAlive(pid)).toBe(true);
    await host.createGroup({ name: "g", volumeTypes: ["gold"] });
    await host.close();
    expect(isAlive(pid)).toBe(false);
  });
});

describe("a sidecar", () => {
  /** Starts the scripted driver as a sidecar on `address` in a separate process; resolves once it serves. */
  async function startSidecar(dir: string, address: string): Promise<ChildProcess> {
    rmSync(address.slice("unix://".length), { force: true });
    const child = spawn(process.execPath, [SCRIPTED_DRIVER], {
      env: { ...process.env, CGHOST_SCRIPT: join(dir, "script.json"), CGHOST_CALLS: join(dir, "calls.jsonl"), CGHOST_SIDECAR_ADDRESS: address },
      stdio: ["ignore", "ignore", "pipe"],
    });
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    });
    const lines: string[] = [];
    const exited = once(child, "exit").then(([code]) => {
      throw new Error(`the sidecar exited with ${String(code)} before serving: ${lines.join("\n")}`);
    });
    const serving = (async () => {
      for await (const line of createInterface({ input: child.stderr! })) {
        lines.push(line);
        if (line.includes('"msg":"serving"')) return;
      }
      throw new Error(`the sidecar closed stderr before serving: ${lines.join("\n")}`);
    })();
    await Promise.race([serving, exited]);
    return child;
  }

  /** A host on a supervised sidecar that is not probed on a timer: it learns of a loss from a failed call. */
  async function hostOnSidecar(dir: string, address: string, retry?: { operationDeadlineMs: number }): Promise<{ host: Host; plugin: PluginSupervisor; dbPath: string }> {
    const dbPath = join(dir, "cghost.db");
    const store = openSqliteStore({ path: dbPath });
    let plugin: PluginSupervisor;
    try {
      plugin = await superviseSidecar({ address, connectTimeoutMs: 500, restartBackoff: { initialMs: 10, maxMs: 100 }, probeIntervalMs: 0, ...(retry ? { retry } : {}) });
    } catch (error) {
      store.close();
      throw error;
    }
    const host = createHost({ store, plugin });
    cleanups.push(() => host.close());
    return { host, plugin, dbPath };
  }

  function groupStatus(dbPath: string, name: string): { status: string; last_error: string | null } | undefined {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare("SELECT status, last_error FROM groups WHERE name = ?").get(name) as { status: string; last_error: string | null } | undefined;
    } finally {
      db.close();
    }
  }

  it("gone when a call goes out: the call is retried inside the operation's deadline and succeeds once it is back (RULES.md section 8, never sent)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "script.json"), "{}");
    const address = `unix://${join(dir, "sidecar.sock")}`;
    const first = await startSidecar(dir, address);
    const { host, plugin, dbPath } = await hostOnSidecar(dir, address);
    const states = stateRecorder(plugin);
    const mark = states.mark();
    const gone = once(first, "exit");
    first.kill("SIGKILL");
    await gone;
    // Nothing probes it: the host still thinks it ready, writes `creating`, and the call fails to connect.
    const pending = host.createGroup({ name: "retried", volumeTypes: ["gold"] });
    await states.next("restarting", mark);
    expect(groupStatus(dbPath, "retried")?.status).toBe("creating");
    await startSidecar(dir, address);
    const group = await pending;
    expect(group.status).toBe("available");
    expect(groupStatus(dbPath, "retried")).toEqual({ status: "available", last_error: null });
    // The attempt that never left the host reached no driver: the back sidecar saw the call once.
    const calls = readFileSync(join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as { kind: string });
    expect(calls.map((c) => c.kind)).toEqual(["create_group"]);
  });

  it("gone for good: the call is raised when the operation's deadline passes, the row error with the cause recorded", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "script.json"), "{}");
    const address = `unix://${join(dir, "sidecar.sock")}`;
    const first = await startSidecar(dir, address);
    const { host, dbPath } = await hostOnSidecar(dir, address, { operationDeadlineMs: 800 });
    const gone = once(first, "exit");
    first.kill("SIGKILL");
    await gone;
    const error = await rejection(host.createGroup({ name: "abandoned", volumeTypes: ["gold"] }));
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.message).toContain("deadline");
    const row = groupStatus(dbPath, "abandoned")!;
    expect(row.status).toBe("error");
    const lastError = JSON.parse(row.last_error!) as { code: string; message: string };
    expect(lastError.code).toBe(error.failure?.cause);
    expect(lastError.message).toContain("deadline");
  });

  it("closing while it re-dials a sidecar that is gone ends the dial at once, not after connectTimeoutMs", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "script.json"), "{}");
    const address = `unix://${join(dir, "sidecar.sock")}`;
    const first = await startSidecar(dir, address);
    // A dial that ran to its connectTimeoutMs would outlast this test's own timeout.
    const plugin = await superviseSidecar({ address, connectTimeoutMs: 600_000, restartBackoff: { initialMs: 10, maxMs: 100 }, probeIntervalMs: 50 });
    const states = stateRecorder(plugin);
    const mark = states.mark();
    const gone = once(first, "exit");
    first.kill("SIGKILL");
    await gone;
    await states.next("restarting", mark);
    await states.next("handshaking", mark);
    await plugin.close();
    expect(plugin.state).toBe("stopped");
  }, 30_000);

  it("restarted under a running host: calls are refused while it is gone, and resume without restarting the host", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "script.json"), "{}");
    const address = `unix://${join(dir, "sidecar.sock")}`;
    const first = await startSidecar(dir, address);
    const dbPath = join(dir, "cghost.db");
    const store = openSqliteStore({ path: dbPath });
    let plugin: PluginSupervisor;
    try {
      plugin = await superviseSidecar({ address, connectTimeoutMs: 500, restartBackoff: { initialMs: 10, maxMs: 100 }, probeIntervalMs: 50 });
    } catch (error) {
      store.close();
      throw error;
    }
    const host: Host = createHost({ store, plugin });
    cleanups.push(() => host.close());
    const states = stateRecorder(plugin);
    await host.createGroup({ name: "before", volumeTypes: ["gold"] });
    expect(plugin.pid).toBeUndefined();

    const mark = states.mark();
    const gone = once(first, "exit");
    first.kill("SIGKILL");
    await gone;
    const restarting = await states.next("restarting", mark);
    expect(restarting.reason).toContain(`the sidecar at ${address} went away`);
    const before = fingerprintDb(dbPath);
    const error = await rejection(host.createGroup({ name: "refused", volumeTypes: ["gold"] }));
    expect(error.code).toBe("PLUGIN_UNAVAILABLE");
    expect(fingerprintDb(dbPath)).toBe(before);

    await startSidecar(dir, address);
    const ready = await states.next("ready", mark);
    expect(ready.restarts).toBe(1);
    const group = await host.createGroup({ name: "after", volumeTypes: ["gold"] });
    expect(group.status).toBe("available");
  });
});
