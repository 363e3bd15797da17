// The front API server: HostService, gRPC health and reflection on one gRPC server, and the
// Prometheus endpoint beside it. It stops gracefully: new calls are refused, calls in flight finish.
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import type { Logger } from "pino";
import type { Host } from "../manager/host.js";
import { HOST_SERVICE_NAME, HostServiceService } from "./front-contract.js";
import { FrontMetrics } from "./front-metrics.js";
import { createHostService } from "./host-service.js";
import { listenMetrics, type MetricsEndpoint } from "./metrics-http.js";
import { OperationFeed } from "./operation-feed.js";
import type { PluginMonitor, PluginStatus } from "./plugin-status.js";
import { addReflection } from "./reflection.js";

/** What the front server serves, and where. */
/** The front API or the metrics endpoint could not listen where the configuration says. */
export class ListenError extends Error {
  readonly code = "LISTEN_FAILED";
  constructor(
    /** The settings that name the address, for the operator to change. */
    readonly settings: string,
    readonly address: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot listen on ${address} (${settings}): ${reason}`, options);
  }
}

/** Why a listen failed, in an operator's words. */
export function listenReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") return "the address is in use; choose another port, or stop what listens there";
  if (code === "EADDRNOTAVAIL") return "no network interface of this machine has that address; use one it has, e.g. 127.0.0.1";
  if (code === "EACCES") return "not allowed (ports below 1024 need privileges; a socket's folder must be writable)";
  return error instanceof Error ? error.message : String(error);
}

export interface FrontServerOptions {
  host: Host;
  /** The monitor of the host's plugin; the server starts and stops it. */
  plugin: PluginMonitor;
  /** A grpc-js listening address: `unix:/absolute/path.sock` or `HOST:PORT`. */
  address: string;
  /** Where to serve /metrics; undefined serves no metrics endpoint. Port 0 lets the OS choose. */
  metrics: { host: string; port: number } | undefined;
  logger: Logger;
}

/** A running front server. */
export interface FrontServer {
  /** The address it listens on, with the port the OS chose for `HOST:0`. */
  address: string;
  /** `http://127.0.0.1:PORT/metrics`, or undefined when metrics are off. */
  metricsUrl: string | undefined;
  /** The metrics registry, for embedding. */
  metrics: FrontMetrics;
  /**
   * Stops gracefully: health says NOT_SERVING, watch streams end, new calls are refused and calls
   * in flight finish; after `graceMs` the remaining calls are cancelled (the host still finishes
   * the operations themselves, see Host.close).
   */
  stop(options: { graceMs: number }): Promise<{ forced: boolean }>;
}

/** Starts the front server; on failure nothing is left listening. */
export async function startFrontServer(options: FrontServerOptions): Promise<FrontServer> {
  const { host, logger } = options;
  const server = new Server();
  const health = new HealthImplementation({ "": "SERVING", [HOST_SERVICE_NAME]: "SERVING" });
  const feed = new OperationFeed(host);
  const { plugin } = options;
  const metrics = new FrontMetrics(host, plugin);
  server.addService(HostServiceService, createHostService({ host, plugins: [plugin], metrics, feed, logger }));
  health.addToServer(server);
  addReflection(server);

  // The HostService takes driver calls only while the plugin is ready; lists and shows work regardless.
  const onState = (status: PluginStatus): void => {
    health.setStatus(HOST_SERVICE_NAME, status.state === "ready" ? "SERVING" : "NOT_SERVING");
    logger.info({ plugin: status.info.name, state: status.state, message: status.stateMessage }, "plugin state changed");
  };
  plugin.on("state", onState);

  let metricsEndpoint: MetricsEndpoint | undefined;
  let address: string;
  try {
    address = await bind(server, options.address);
    if (options.metrics) {
      const { host: metricsHost, port } = options.metrics;
      metricsEndpoint = await listenMetrics(metrics, options.metrics).catch((error: unknown) => {
        throw new ListenError("metrics.host and metrics.port, or --metrics-port", `${metricsHost}:${port}`, listenReason(error), { cause: error });
      });
    }
  } catch (error) {
    server.forceShutdown();
    feed.close();
    metrics.detach();
    throw error;
  }
  plugin.start();

  return {
    address,
    metricsUrl: metricsEndpoint?.url,
    metrics,
    async stop({ graceMs }) {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(HOST_SERVICE_NAME, "NOT_SERVING");
      feed.close();
      const forced = await shutdown(server, graceMs);
      plugin.off("state", onState);
      plugin.stop();
      metrics.detach();
      await metricsEndpoint?.close();
      return { forced };
    },
  };
}

function bind(server: Server, address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        // grpc-js wraps the system error in its message ("No address added ... errors: [listen EADDRINUSE ...]").
        const code = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(error.message)?.[1];
        reject(new ListenError("api.address", address, code === undefined ? error.message : listenReason({ code }), { cause: error }));
        return;
      }
      resolve(address.startsWith("unix:") ? address : address.replace(/:0$/, `:${port}`));
    });
  });
}

/** tryShutdown waits for calls in flight; forceShutdown cancels what is left after the grace. */
function shutdown(server: Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      server.forceShutdown();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(forced);
    });
  });
}
