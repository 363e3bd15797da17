// Prometheus metrics of one server, in a registry of its own (never prom-client's global one, so
// two servers in one process, as in tests, never mix their numbers). Fed by the Host's events,
// the plugin monitor, and the front API's refusals.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Host, OperationEvent, PluginCallEvent } from "../manager/host.js";
import type { OperationKind } from "../model.js";
import { PLUGIN_STATES, type PluginMonitor, type PluginStatus } from "./plugin-status.js";

// From a group record (milliseconds) to copying whole volumes (minutes).
const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600];

/** The metrics of one `cghost serve`, and the subscriptions that feed them. */
export class FrontMetrics {
  readonly registry = new Registry();
  private readonly operations: Counter<"operation" | "outcome">;
  private readonly operationSeconds: Histogram<"operation" | "outcome">;
  private readonly operationWarnings: Counter<"operation" | "rule">;
  private readonly pluginRpcSeconds: Histogram<"method" | "code">;
  private readonly pluginRestarts: Counter<"plugin">;
  private readonly pluginState: Gauge<"plugin" | "state">;
  private readonly detachers: Array<() => void> = [];
  private lastRestarts = 0;

  constructor(host: Host, monitor: PluginMonitor) {
    const registers = [this.registry];
    this.operations = new Counter({
      name: "cghost_operations_total",
      help: "Operations by kind and outcome: succeeded, failed (the driver failed it; statuses were written), or the lower-case host code it was refused with before any write (invalid_status, plugin_unavailable, ...).",
      labelNames: ["operation", "outcome"],
      registers,
    });
    this.operationSeconds = new Histogram({
      name: "cghost_operation_duration_seconds",
      help: "Time from an operation's first status write to its outcome's commit, by kind and outcome (succeeded or failed); refused operations write nothing and are not timed.",
      labelNames: ["operation", "outcome"],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.operationWarnings = new Counter({
      name: "cghost_operation_warnings_total",
      help: "Warnings of the rule that decided an operation, which did not change its outcome (e.g. R2.2: error statuses a driver reported in a create-from-source it did not fail), by kind and rule id.",
      labelNames: ["operation", "rule"],
      registers,
    });
    this.pluginRpcSeconds = new Histogram({
      name: "cghost_plugin_rpc_duration_seconds",
      help: "Driver RPCs sent to the plugin, by method and the gRPC code of the answer (NONE when the call failed without one, e.g. never connected).",
      labelNames: ["method", "code"],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.pluginRestarts = new Counter({
      name: "cghost_plugin_restarts_total",
      help: "Times the host restarted the plugin: a crashed child re-launched, a lost sidecar re-dialled.",
      labelNames: ["plugin"],
      registers,
    });
    this.pluginState = new Gauge({
      name: "cghost_plugin_state",
      help: "1 for the plugin's current state (starting, handshaking, ready, not-ready, restarting, failed, stopped), 0 for the others.",
      labelNames: ["plugin", "state"],
      registers,
    });
    new Gauge({
      name: "cghost_outcomes_pending",
      help: "Operations the driver answered whose outcome the host's database refused (a full disk, an I/O error, a lock), which the host keeps retrying; above 0, the database needs attention.",
      registers,
      collect() {
        this.set(host.outcomesPending);
      },
    });
    collectDefaultMetrics({ register: this.registry });

    const onOperation = (event: OperationEvent): void => this.recordOperation(event);
    const onPluginCall = (event: PluginCallEvent): void => this.recordPluginCall(event);
    const onState = (status: PluginStatus): void => this.recordPluginStatus(status);
    host.on("operation", onOperation);
    host.on("plugin-call", onPluginCall);
    monitor.on("state", onState);
    this.detachers.push(
      () => host.off("operation", onOperation),
      () => host.off("plugin-call", onPluginCall),
      () => monitor.off("state", onState),
    );
    this.recordPluginStatus(monitor.current());
    // Every series exists from the start, so a dashboard shows 0 rather than nothing.
    this.pluginRestarts.inc({ plugin: monitor.name }, 0);
  }

  /** Counts an operation the host refused before writing anything, by its host error code. */
  recordRefusal(operation: OperationKind, code: string): void {
    this.operations.inc({ operation, outcome: code.toLowerCase() });
  }

  /** The metrics in Prometheus's text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of text(). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening to the host and the monitor. */
  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  private recordOperation(event: OperationEvent): void {
    const labels = { operation: event.kind, outcome: event.ok ? "succeeded" : "failed" };
    this.operations.inc(labels);
    this.operationSeconds.observe(labels, event.ms / 1000);
    if (event.warnings.length > 0) this.operationWarnings.inc({ operation: event.kind, rule: event.ruleId }, event.warnings.length);
  }

  private recordPluginCall(event: PluginCallEvent): void {
    const code = event.grpcCode === undefined ? "NONE" : (GrpcStatus[event.grpcCode] ?? String(event.grpcCode));
    this.pluginRpcSeconds.observe({ method: event.method, code }, event.ms / 1000);
  }

  private recordPluginStatus(status: PluginStatus): void {
    for (const state of PLUGIN_STATES) {
      this.pluginState.set({ plugin: status.info.name, state }, state === status.state ? 1 : 0);
    }
    if (status.restarts > this.lastRestarts) {
      this.pluginRestarts.inc({ plugin: status.info.name }, status.restarts - this.lastRestarts);
      this.lastRestarts = status.restarts;
    }
  }
}
