// A plugin child that dies in the middle of each of the six operations (RULES.md section 8: a call
// in flight when the child crashes is uncertain). The supervisor restarts the child; the call is
// retried with the same operation id once it is ready. Two endings, both asserted on the SQLite
// rows:
// - the restarted plugin answers the retry: the rules apply to that answer (the returned rows);
// - the plugin crashes on every attempt: after the retry budget the outcome is raised (R*.1 rows,
//   everything `error`), and the failure names the attempts, the last cause and the crash's stderr.
// Either way the plugin runs again under a new pid and the next call succeeds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroupSourceInput, Host, OperationEvent } from "../host/index.js";
import type { OperationKind } from "../host/model.js";
import { registerVolumes, rejection } from "./support/host-harness.js";
import { startSupervisedHarness, type SupervisedHarness } from "./support/supervised-harness.js";

const ATTEMPTS = 2;

let h: SupervisedHarness;
beforeAll(async () => {
  h = await startSupervisedHarness({
    supervision: {
      // Quick restarts; this file crashes the plugin about 20 times on purpose.
      restartBackoff: { initialMs: 10, maxMs: 50 },
      crashLoop: { maxCrashes: 1000, windowMs: 60_000 },
      probeIntervalMs: 0,
      retry: { maxAttempts: ATTEMPTS, operationDeadlineMs: 25_000 },
    },
    deadlinesMs: Object.fromEntries(
      ["create_group", "create_group_from_source", "delete_group", "update_group", "create_cgsnapshot", "delete_cgsnapshot"].map((k) => [k, 20_000]),
    ),
  });
});
afterAll(async () => {
  await h?.close();
});

const TABLE = { group: "groups", volume: "volumes", cgsnapshot: "cgsnapshots", snapshot: "snapshots" } as const;

async function groupWithVolumes(host: Host, count: number): Promise<{ groupId: string; volumeIds: string[] }> {
  const group = await host.createGroup({ name: "g", volumeTypes: ["gold"] });
  const volumeIds = registerVolumes(host, count);
  await host.updateGroup(group.id, { addVolumeIds: volumeIds });
  return { groupId: group.id, volumeIds };
}

/** Per operation: what to set up (with a driver answering `{}`), the call, and the row ids it affects. */
interface Case {
  kind: OperationKind;
  /** The status every row the call wrote ends in when the retried call returns `{}`. */
  returned: "available" | "deleted";
  /** The raised rule's id. */
  raisedRule: string;
  setup(): Promise<() => Promise<unknown>>;
}

const CASES: Case[] = [
  { kind: "create_group", returned: "available", raisedRule: "R1.1", setup: async () => () => h.host.createGroup({ name: "new", volumeTypes: ["gold"] }) },
  {
    kind: "create_group_from_source",
    returned: "available",
    raisedRule: "R2.1",
    setup: async () => {
      const { groupId } = await groupWithVolumes(h.host, 2);
      const source: GroupSourceInput = { groupId };
      return () => h.host.createGroupFromSource({ name: "copy", source });
    },
  },
  {
    kind: "delete_group",
    returned: "deleted",
    raisedRule: "R3.1",
    setup: async () => {
      const { groupId } = await groupWithVolumes(h.host, 2);
      return () => h.host.deleteGroup(groupId, { deleteVolumes: true });
    },
  },
  {
    kind: "update_group",
    returned: "available",
    raisedRule: "R4.1",
    setup: async () => {
      const { groupId } = await groupWithVolumes(h.host, 1);
      const [added] = registerVolumes(h.host, 1);
      return () => h.host.updateGroup(groupId, { addVolumeIds: [added!] });
    },
  },
  {
    kind: "create_cgsnapshot",
    returned: "available",
    raisedRule: "R5.1",
    setup: async () => {
      const { groupId } = await groupWithVolumes(h.host, 2);
      return () => h.host.createCgSnapshot(groupId);
    },
  },
  {
    kind: "delete_cgsnapshot",
    returned: "deleted",
    raisedRule: "R6.1",
    setup: async () => {
      const { groupId } = await groupWithVolumes(h.host, 2);
      const view = await h.host.createCgSnapshot(groupId);
      return () => h.host.deleteCgSnapshot(view.cgsnapshot.id);
    },
  },
];

/** The next `operation` event of `kind` (emitted after its outcome committed). */
function nextOperation(kind: OperationKind): Promise<OperationEvent> {
  return new Promise((resolve) => {
    const listener = (event: OperationEvent): void => {
      if (event.kind !== kind) return;
      h.host.off("operation", listener);
      resolve(event);
    };
    h.host.on("operation", listener);
  });
}

/** Every row written is in the database with the status the event reports, and it is `status`. */
function expectRows(event: OperationEvent, status: string): void {
  expect(event.written.length).toBeGreaterThan(0);
  for (const write of event.written) {
    expect(write.status, `${write.kind} ${write.id}`).toBe(status);
    expect(h.status(TABLE[write.kind as keyof typeof TABLE], write.id), `${write.kind} ${write.id} in the database`).toBe(status);
  }
  for (const table of Object.values(TABLE)) {
    expect(h.query(`SELECT id, status FROM ${table} WHERE status IN ('creating', 'deleting', 'updating')`), `transitional rows in ${table}`).toEqual([]);
  }
}

/** The pids of the plugin processes that received calls with `operationId`, in order (from the host's log). */
function receivedBy(operationId: string): unknown[] {
  return h.log
    .lines()
    .filter((l) => l.msg === "scripted call received" && (l.fields as { operationId?: string } | undefined)?.operationId === operationId)
    .map((l) => l.pid);
}

/** A call after the crash succeeds, on the restarted plugin. */
async function expectNextCallSucceeds(): Promise<void> {
  h.script({});
  const group = await h.host.createGroup({ name: "after", volumeTypes: ["gold"] });
  expect(h.status("groups", group.id)).toBe("available");
}

describe("the plugin is killed (SIGKILL, by the test) during each operation; the restarted plugin answers the retry", () => {
  it.each(CASES)("$kind: retried with the same operation id, the answer applied, new pid", async (c) => {
    h.script({});
    const run = await c.setup();
    h.script({ [c.kind]: { hang: true } });
    const oldPid = h.plugin.pid!;
    const restartsBefore = h.plugin.restarts;
    const logMark = h.log.lines().length;
    const operation = nextOperation(c.kind);
    const result = run();
    // The plugin logs the call on arrival: from then on, it is in flight.
    await h.log.waitFor((l) => l.msg === "scripted call received" && (l.fields as { kind?: string } | undefined)?.kind === c.kind, logMark);
    h.script({});
    const mark = h.states.mark();
    process.kill(oldPid, "SIGKILL");

    await expect(result).resolves.toBeDefined();
    const event = await operation;
    expect(event.ok).toBe(true);
    expectRows(event, c.returned);
    if (c.kind === "update_group") {
      const added = event.written.find((w) => w.kind === "volume");
      if (added) expect(h.row("volumes", added.id)?.group_id).toBe(event.groupId);
    }

    const restarting = await h.states.next("restarting", mark);
    expect(restarting).toMatchObject({ from: "ready", pid: oldPid, reason: expect.stringContaining(`pid ${oldPid}) was killed by SIGKILL`) });
    const ready = await h.states.next("ready", mark);
    expect(ready.pid).not.toBe(oldPid);
    expect(ready.restarts).toBe(restartsBefore + 1);
    expect(h.plugin.pid).toBe(ready.pid);

    const calls = h.calls().filter((call) => call.operationId === event.operationId);
    expect(calls.map((call) => call.kind)).toEqual([c.kind, c.kind]);
    // Which process got each attempt: the host tags the plugin's log lines with its pid. The
    // retry's line travels on stderr, beside the answer: wait for it rather than race it.
    await h.log.waitFor((l) => l.msg === "scripted call received" && l.pid === ready.pid && (l.fields as { operationId?: string }).operationId === event.operationId);
    expect(receivedBy(event.operationId)).toEqual([oldPid, ready.pid]);
    await expectNextCallSucceeds();
  });
});

describe("the plugin crashes on every attempt of each operation: raised after the retry budget", () => {
  it.each(CASES)("$kind: $raisedRule, every row error, the cause and the crash recorded", async (c) => {
    h.script({});
    const run = await c.setup();
    h.script({ [c.kind]: { crash: true } });
    const mark = h.states.mark();
    const operation = nextOperation(c.kind);

    const error = await rejection(run());
    expect(error.code).toBe("OPERATION_FAILED");
    expect(error.failure?.ruleId).toBe(c.raisedRule);
    expect(error.failure?.cause).toBe("TRANSPORT_FAILED");
    expect(error.message).toContain(`was not completed after ${ATTEMPTS} attempt(s) with the same operation id`);
    expect(error.message).toContain(`the retry budget (${ATTEMPTS} attempts) is spent; last cause:`);
    expect(error.message).toContain(`scripted-driver: crashing on purpose during ${c.kind}`);
    const event = await operation;
    expectRows(event, "error");
    const lastError = h.row(TABLE[event.written[0]!.kind as keyof typeof TABLE], event.written[0]!.id)?.last_error;
    expect(String(lastError)).toContain(`after ${ATTEMPTS} attempt(s)`);

    const calls = h.calls().filter((call) => call.operationId === event.operationId);
    expect(calls).toHaveLength(ATTEMPTS);
    expect(new Set(receivedBy(event.operationId)).size).toBe(ATTEMPTS);

    // Every crash is a state event quoting the plugin's last stderr lines.
    const crashed = h.states.events.slice(mark).filter((e) => e.to === "restarting");
    expect(crashed.length).toBeGreaterThanOrEqual(ATTEMPTS);
    expect(crashed[0]!.stderrTail).toContain(`scripted-driver: crashing on purpose during ${c.kind}`);
    // The plugin is restarted after the last crash too; wait for it (calls are refused until then).
    if (h.plugin.state !== "ready") await h.states.next("ready", h.states.mark());
    await expectNextCallSucceeds();
  });
});
