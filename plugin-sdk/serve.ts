// serve() fully manages the plugin's side of the protocol: it listens, answers the driver, plugin
// and health services, performs the launched-child handshake, and stops gracefully on SIGTERM or
// when the host goes away.
import { lstatSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { pino, type Logger } from "pino";
import { ConsistencyGroupDriverServiceService, Operation, PluginServiceService } from "./contract.js";
import { describeDriver } from "./driver-description.js";
import { driverServiceImplementation } from "./driver-service.js";
import type { Driver } from "./driver.js";
import { announceAndWatch, type Lifeline } from "./handshake.js";
import { HealthService, type ServingStatus } from "./health.js";
import { LAUNCH_TLS_VARIABLES, readLaunchEnvironment, type LaunchEnvironment } from "./launch-environment.js";
import { pluginServiceImplementation } from "./plugin-service.js";
import { serverCredentials, type ServeTlsOptions } from "./server-security.js";

const MiB = 1024 * 1024;

/** Options of serve(). Every field is optional. */
export interface ServeOptions {
  /**
   * Serve as a sidecar on this address (`unix:///abs/path.sock` or `host:port`, port 0 for any),
   * with no handshake. Default: serve as a child launched by a host, on `unix://` +
   * CGHOST_PLUGIN_SOCKET (or TCP loopback with mutual TLS, when the host launched it so), and
   * perform the handshake. A `host:port` address needs `tls` or `insecure`.
   */
  address?: string;
  /** Mutual TLS for a sidecar on `host:port`: the host must present a certificate from caFile. Excludes `insecure`. */
  tls?: ServeTlsOptions;
  /** Serve a sidecar on `host:port` in plaintext (a warning is logged). Default false. */
  insecure?: boolean;
  /** Where log lines go. Default: pino JSON on standard error (standard output is never used). */
  logger?: Logger;
  /** The largest message received or sent, in bytes. Default 64 MiB, the host's own limit. */
  maxMessageBytes?: number;
  /** The handshake descriptor of a launched child. Default CGHOST_HANDSHAKE_FD, else 3. */
  handshakeFd?: number;
  /** How long stop() lets calls in flight finish before cancelling them, in ms. Default 3000 (under the host's 5 s grace). */
  shutdownGraceMs?: number;
  /** Stop and exit 0 on SIGTERM and SIGINT. Default true; turn off when embedding serve() in a larger process. */
  handleSignals?: boolean;
}

/** A running plugin server. */
export interface ServingPlugin {
  /** Where it listens, e.g. `unix:///run/cghost/plugin.sock` or `127.0.0.1:50051` (the bound port). */
  address: string;
  /** The grpc-js server, to add services of your own. */
  server: Server;
  /** Reports NOT_SERVING, lets calls in flight finish for the grace, then closes. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when serve() cannot tell how the plugin is meant to run or cannot listen. */
export class ServeError extends Error {
  override readonly name = "ServeError";
}

function defaultLogger(name: string): Logger {
  // Synchronous stderr so the last lines before process.exit() are not lost. Never stdout: the
  // host captures it as plain text, and a driver's own prints should not mix with structured logs.
  return pino({ name, level: "info" }, pino.destination({ dest: 2, sync: true }));
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) {
        const inUse = /EADDRINUSE|address already in use/i.test(error.message);
        const hint = inUse && !address.startsWith("unix:") ? "; another process listens on that port" : "";
        reject(new ServeError(`cannot listen on ${address}: ${error.message}${hint}`, { cause: error }));
      } else resolve(port);
    });
  });
}

/**
 * A sidecar's Unix socket file left by a plugin that was killed (SIGKILL, a crash) would make the
 * next start fail with EADDRINUSE: such a file, which no process answers on, is removed. One a
 * live process answers on is refused, naming it; a file that is not a socket is left alone.
 */
async function clearStaleSocket(address: string, logger: Logger): Promise<void> {
  const path = address.startsWith("unix://") ? address.slice("unix://".length) : address.slice("unix:".length);
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there (or nothing we may look at: bind will say)
  }
  if (!isSocket) return;
  const answered = await new Promise<boolean>((resolve) => {
    const attempt = connect(path);
    attempt.once("connect", () => {
      attempt.destroy();
      resolve(true);
    });
    attempt.once("error", () => resolve(false));
  });
  if (answered) throw new ServeError(`cannot listen on ${address}: another process is serving there; stop it, or choose another address`);
  unlinkSync(path);
  logger.warn({ address }, "removed a stale socket file that no process answers on (a plugin that did not stop cleanly left it)");
}

// For `host:0` the address worth reporting is the one with the port the system chose.
function boundAddress(address: string, port: number): string {
  if (address.startsWith("unix:")) return address;
  return address.replace(/:[0-9]+$/, `:${port}`);
}

/** Serves `driver` over gRPC as a launched child (the default) or as a sidecar (`options.address`). */
export async function serve(driver: Driver, options: ServeOptions = {}): Promise<ServingPlugin> {
  const description = describeDriver(driver);
  const logger = options.logger ?? defaultLogger(driver.name);
  const launch: LaunchEnvironment | undefined = options.address === undefined ? readLaunchEnvironment(process.env, options.handshakeFd) : undefined;
  // The key is ours now: the driver's own subprocesses need not inherit it.
  if (launch?.tls) for (const name of LAUNCH_TLS_VARIABLES) delete process.env[name];
  const requested = options.address ?? launch?.address;
  if (requested === undefined) {
    throw new ServeError(
      `${driver.name} does not know where to listen: CGHOST_PLUGIN_SOCKET (or CGHOST_PLUGIN_TLS_CERT) is not set. Either let a cghost host launch the plugin (it sets CGHOST_PLUGIN_SOCKET, CGHOST_PLUGIN_NONCE and descriptor 3), or run it as a sidecar with serve(driver, { address: "unix:///path/plugin.sock" }) or "host:port"`,
    );
  }
  if (options.address !== undefined && process.env.CGHOST_PLUGIN_SOCKET) {
    logger.warn({ address: options.address }, "CGHOST_PLUGIN_SOCKET is set but options.address wins: serving as a sidecar, no handshake, so a launching host will time out");
  }
  const maxMessageBytes = options.maxMessageBytes ?? 64 * MiB;
  const graceMs = options.shutdownGraceMs ?? 3000;

  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  const serviceNames = ["", "cgdriver.v1.ConsistencyGroupDriverService", "cgdriver.v1.PluginService"];
  const health = new HealthService(Object.fromEntries(serviceNames.map((s) => [s, "NOT_SERVING"])));
  const setHealth = (value: ServingStatus): void => serviceNames.forEach((s) => health.setStatus(s, value));
  health.addToServer(server);
  server.addService(ConsistencyGroupDriverServiceService, driverServiceImplementation(driver, description, logger));
  server.addService(PluginServiceService, pluginServiceImplementation(driver, description, logger));

  const credentials = await serverCredentials({ address: requested, launchTls: launch?.tls, tls: options.tls, insecure: options.insecure, logger });
  if (launch === undefined && requested.startsWith("unix:")) await clearStaleSocket(requested, logger);
  const port = await bind(server, requested, credentials);
  const address = boundAddress(requested, port);
  setHealth("SERVING");

  let lifeline: Lifeline | undefined;
  let stopping: Promise<void> | undefined;
  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ["SIGTERM", "SIGINT"];

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      setHealth("NOT_SERVING");
      for (const signal of signals) process.removeListener(signal, onSignal);
      lifeline?.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ graceMs }, "calls still in flight after the grace: cancelling them");
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      logger.info({ address }, "stopped");
    })();
    return stopping;
  };

  // Leaving is the process's decision here, not the caller's: the host is gone or asked us to go.
  const stopAndExit = (reason: string): void => {
    logger.info({ reason }, "stopping");
    setTimeout(() => process.exit(0), graceMs + 2000).unref();
    void stop().finally(() => process.exit(0));
  };
  function onSignal(signal: NodeJS.Signals): void {
    stopAndExit(`received ${signal}`);
  }
  for (const signal of signals) process.once(signal, onSignal);

  if (launch !== undefined) {
    const shared = description.info.contractVersions.filter((v) => launch.hostContractVersions.includes(v));
    if (launch.hostContractVersions.length > 0 && shared.length === 0) {
      logger.warn({ host: launch.hostContractVersions, plugin: description.info.contractVersions }, "the host speaks no contract version this driver speaks; it will refuse the plugin");
    }
    try {
      lifeline = await announceAndWatch(
        launch.handshakeFd,
        { nonce: launch.nonce, address, contractVersions: description.info.contractVersions },
        (reason) => stopAndExit(`the host is gone: ${reason}`),
      );
    } catch (error) {
      server.forceShutdown();
      for (const signal of signals) process.removeListener(signal, onSignal);
      throw error;
    }
  }
  logger.info(
    { address, mode: launch ? "launched" : "sidecar", tls: launch?.tls !== undefined || options.tls !== undefined, operations: description.capabilities.operations.map((operation) => Operation[operation]) },
    "serving",
  );
  return { address, server, stop };
}
