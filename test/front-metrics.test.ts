// RULES.md section 2: "The host logs a warning and counts it when a driver reports error statuses
// without raising". The count is the host's "operation" event's warnings, on the server's metrics;
// WatchOperations streams them with the event.
import { EventEmitter } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VolumeStatus } from "../host/contract.js";
import { OperationEvent as OperationEventMessage } from "../host/front/front-contract.js";
import { FrontMetrics } from "../host/front/front-metrics.js";
import { operationEventToMessage } from "../host/front/to-message.js";
import type { PluginMonitor, PluginStatus } from "../host/front/plugin-status.js";
import type { OperationEvent } from "../host/index.js";
import { groupWithVolumes, startHarness, type Harness } from "./support/host-harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A monitor that reports the plugin ready and never changes: these tests are about operations. */
function steadyMonitor(): PluginMonitor {
  const status = { info: { name: "scripted-driver" }, state: "ready", message: "", restarts: 0 } as unknown as PluginStatus;
  return Object.assign(new EventEmitter(), { name: "scripted-driver", current: () => status }) as unknown as PluginMonitor;
}

function series(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe("warnings that do not change an outcome (RULES.md section 2)", () => {
  it("R2.2 an error status in a successful create-from-source is in the event and counted on the metrics", async () => {
    const metrics = new FrontMetrics(h.host, steadyMonitor());
    try {
      const events: OperationEvent[] = [];
      h.host.on("operation", (event) => events.push(event));
      const { groupId } = await groupWithVolumes(h, 1);
      const { cgsnapshot } = await h.host.createCgSnapshot(groupId, {});
      const counted = 'cghost_operation_warnings_total{operation="create_group_from_source",rule="R2.2"}';
      expect(series(await metrics.text(), counted)).toBe(0);
      h.script({
        create_group_from_source: {
          respond: { volumesModelUpdate: { updates: [{ id: "{{volumes.0.id}}", status: VolumeStatus.VOLUME_STATUS_ERROR }] } },
        },
      });
      const clone = await h.host.createGroupFromSource({ name: "clone", source: { cgsnapshotId: cgsnapshot.id } });
      // The outcome is unchanged: everything available, in the database too.
      expect(h.status("groups", clone.group.id)).toBe("available");
      expect(clone.volumes.map((v) => h.status("volumes", v.id))).toEqual(["available"]);
      const event = events.find((e) => e.kind === "create_group_from_source")!;
      expect(event.ruleId).toBe("R2.2");
      expect(event.warnings).toHaveLength(1);
      expect(event.warnings[0]).toContain("without failing the call");
      expect(series(await metrics.text(), counted)).toBe(1);
      // WatchOperations carries them: the event as the front API encodes it, read back from the wire.
      const sent = OperationEventMessage.decode(OperationEventMessage.encode(operationEventToMessage(event, new Date())).finish());
      expect(sent.warnings).toEqual(event.warnings);
      // Operations without warnings count nothing.
      expect(events.filter((e) => e.kind !== "create_group_from_source").every((e) => e.warnings.length === 0)).toBe(true);
      expect(series(await metrics.text(), 'cghost_operation_warnings_total{operation="create_group",rule="R1.4"}')).toBe(0);
    } finally {
      metrics.detach();
    }
  });
});
