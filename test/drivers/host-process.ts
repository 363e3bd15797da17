// A host in its own process, for the restart tests (test/host-restart-recovery.test.ts): it opens a
// host on a database, starts one operation and reports on stdout, one JSON object a line, so the
// test can SIGKILL it in the middle of that operation.
//
// Usage: node host-process.js '<config JSON>' where config is
//   { dbPath, plugin: { command, args?, env? }, operation: Operation, caller?: Caller,
//     stallAfterAnswer?: boolean }
// Lines: { event: "ready", pid, pluginPid } once the host is open; { event: "answered", kind,
// operationId } when stallAfterAnswer is set and the driver has answered (the host then never
// applies that answer, as if it died right there); { event: "done" } or { event: "failed", message }
// if the operation ends, which a killed-mid-call test never sees.
import { createHost, openHost, type Caller, type GroupSourceInput, type Host } from "../../host/index.js";
import { launchPlugin } from "../../host/plugin/index.js";
import type { PluginClient } from "../../host/plugin/plugin-client.js";
import { openSqliteStore } from "../../host/store/index.js";

/** The one operation the process runs. */
export type Operation =
  | { kind: "create_group"; name: string; volumeTypes: string[] }
  | { kind: "create_group_from_source"; name: string; source: GroupSourceInput }
  | { kind: "update_group"; groupId: string; addVolumeIds: string[]; removeVolumeIds: string[] }
  | { kind: "delete_group"; groupId: string; deleteVolumes: boolean }
  | { kind: "create_cgsnapshot"; groupId: string; name: string }
  | { kind: "delete_cgsnapshot"; cgsnapshotId: string };

/** What the process is told to do. */
export interface HostProcessConfig {
  dbPath: string;
  plugin: { command: string; args?: string[]; env?: Record<string, string> };
  operation: Operation;
  caller?: Caller;
  stallAfterAnswer?: boolean;
}

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** The plugin, except that a call's answer is reported and then never handed to the host. */
function stallingAfterAnswer(plugin: PluginClient): PluginClient {
  const call: PluginClient["call"] = async (kind, request, options) => {
    const outcome = await plugin.call(kind, request, options);
    say({ event: "answered", kind, operationId: request.operationId, outcome: outcome.kind });
    return new Promise<never>(() => undefined);
  };
  return new Proxy(plugin, {
    get(target, property) {
      if (property === "call") return call;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function open(config: HostProcessConfig): Promise<Host> {
  if (!config.stallAfterAnswer) return openHost({ storePath: config.dbPath, plugin: config.plugin });
  const store = openSqliteStore({ path: config.dbPath });
  try {
    const plugin = await launchPlugin(config.plugin);
    return createHost({ store, plugin: stallingAfterAnswer(plugin) });
  } catch (error) {
    store.close();
    throw error;
  }
}

function start(host: Host, operation: Operation, caller: Caller | undefined): Promise<unknown> {
  switch (operation.kind) {
    case "create_group":
      return host.createGroup({ name: operation.name, volumeTypes: operation.volumeTypes }, caller);
    case "create_group_from_source":
      return host.createGroupFromSource({ name: operation.name, source: operation.source }, caller);
    case "update_group":
      return host.updateGroup(operation.groupId, { addVolumeIds: operation.addVolumeIds, removeVolumeIds: operation.removeVolumeIds }, caller);
    case "delete_group":
      return host.deleteGroup(operation.groupId, { deleteVolumes: operation.deleteVolumes }, caller);
    case "create_cgsnapshot":
      return host.createCgSnapshot(operation.groupId, { name: operation.name }, caller);
    case "delete_cgsnapshot":
      return host.deleteCgSnapshot(operation.cgsnapshotId, caller);
  }
}

const config = JSON.parse(process.argv[2] ?? "null") as HostProcessConfig | null;
if (config === null) {
  process.stderr.write("host-process: pass the configuration as one JSON argument (see test/drivers/host-process.ts)\n");
  process.exit(2);
}
const host = await open(config);
say({ event: "ready", pid: process.pid, pluginPid: host.pluginPid });
start(host, config.operation, config.caller).then(
  () => say({ event: "done" }),
  (error: unknown) => say({ event: "failed", message: error instanceof Error ? error.message : String(error) }),
);
