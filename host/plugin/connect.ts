// Connecting to a plugin: a sidecar by address, and the start-up steps every plugin goes through
// (launched or not) before its first driver call: connect, GetPluginInfo with contract
// negotiation, GetCapabilities, Probe (proto/README.md, "Two ways to run").
import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { pino, type Logger } from "pino";
import type { GetCapabilitiesResponse, GetPluginInfoResponse, ProbeResponse } from "../contract.js";
import { toPluginCapabilities } from "./capabilities.js";
import { PluginLaunchError } from "./errors.js";
import { HOST_CONTRACT_VERSIONS, negotiateContract } from "./handshake.js";
import { openPluginChannel, type PluginChannel } from "./plugin-channel.js";
import type { PluginClient } from "./plugin-client.js";
import { PluginConnection, type PluginConnectionParts } from "./plugin-connection.js";
import { sidecarSecurity, type SidecarTlsOptions, type TransportSecurity } from "./transport-security.js";

/** The largest message either side may send, by default (proto/README.md: 64 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** How long the call that asks a channel why it is not connected may take. */
const LAST_ERROR_PROBE_MS = 500;

/** How long connecting and the start-up calls may take together, by default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How to reach a sidecar plugin the operator runs. */
export interface ConnectOptions {
  /** `unix:///absolute/path/to.sock`, or `host:port`, which needs `tls` or `insecure` (they exclude each other). */
  address: string;
  /** Mutual TLS for a `host:port` address, from PEM files read once here. Not for `unix://`. */
  tls?: SidecarTlsOptions;
  /** Accept plaintext TCP to a `host:port` address (a warning naming it is logged). Default false. */
  insecure?: boolean;
  /** Receives the connection's logs; silent by default. */
  logger?: Logger;
  /** Largest message sent or received, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Time for connecting plus GetPluginInfo, GetCapabilities and Probe, in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Gives up connecting when it aborts (its owner is closing), rejecting with its reason. */
  signal?: AbortSignal;
}

/**
 * Connects to a plugin already serving at an address, and runs the start-up calls: one connection
 * that sends each call once. For RULES.md section 8's retries and re-dialling, use openHost.
 */
export async function connectPlugin(options: ConnectOptions): Promise<PluginClient> {
  const target = parsePluginAddress(options.address);
  const logger = (options.logger ?? pino({ level: "silent" })).child({ plugin: options.address });
  const maxMessageBytes = checkPositive("maxMessageBytes", options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  const connectTimeoutMs = checkPositive("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  try {
    const security = await sidecarSecurity(options.address, options, logger);
    return await openPluginConnection({
      address: options.address,
      target,
      logger,
      maxMessageBytes,
      connectTimeoutMs,
      security,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    const failure = PluginLaunchError.from(error);
    // Name the plugin: an operator may run several sidecars.
    throw new PluginLaunchError(failure.code, `plugin at ${options.address}: ${failure.reason}`, { cause: error });
  }
}

/** Checks a sidecar address and returns the grpc-js target for it; throws PLUGIN_ADDRESS_INVALID. */
export function parsePluginAddress(address: string): string {
  if (address.startsWith("unix:")) {
    if (!address.startsWith("unix:///") || address.length === "unix:///".length) {
      throw new PluginLaunchError("PLUGIN_ADDRESS_INVALID", `${JSON.stringify(address)} is not unix:// followed by an absolute path, e.g. unix:///run/cg/driver.sock`);
    }
    return address;
  }
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new PluginLaunchError(
      "PLUGIN_ADDRESS_INVALID",
      `${JSON.stringify(address)} is neither unix:///absolute/path nor host:port with a port from 1 to 65535 (e.g. 127.0.0.1:7070)`,
    );
  }
  return address;
}

/** What the start-up steps need. */
export interface OpenConnectionParams {
  /** The address as the client reports it. */
  address: string;
  /** The grpc-js target to dial. */
  target: string;
  logger: Logger;
  maxMessageBytes: number;
  connectTimeoutMs: number;
  /** Plaintext or mutual TLS; plaintext when absent. */
  security?: TransportSecurity;
  /** A launched child the connection will own (and stop on close). */
  child?: PluginConnectionParts["child"];
  /** Aborts the start-up (the launcher's child exited); its reason is what rejects. */
  signal?: AbortSignal;
}

/** Connects and runs GetPluginInfo, GetCapabilities and Probe; closes the channel on any failure. */
export async function openPluginConnection(params: OpenConnectionParams): Promise<PluginConnection> {
  const channel = openPluginChannel(params.target, {
    maxMessageBytes: params.maxMessageBytes,
    ...(params.security ? { security: params.security } : {}),
  });
  // One budget for the whole start-up: a plugin that connects but never answers fails in time too.
  const deadline = Date.now() + params.connectTimeoutMs;
  const step = <T>(promise: Promise<T>): Promise<T> => abortable(promise, params.signal);
  try {
    await step(
      channel.waitForReady(deadline).catch(async (error: unknown) => {
        // waitForReady says only that the deadline passed; a call on the channel says why it is not
        // connected (a refused connection, a certificate the host does not trust, ...).
        const why = (await lastConnectError(channel)) ?? (error instanceof Error ? error.message : String(error));
        throw new PluginLaunchError(
          "PLUGIN_CONNECT_FAILED",
          `could not connect within ${params.connectTimeoutMs} ms (${why}); ` +
            "check that it is running and listening there, or raise connectTimeoutMs" +
            (params.security?.kind === "tls"
              ? "; over TLS, also check that the plugin serves TLS with a certificate from the CA the host trusts, for the name the host checks, and trusts the host's client certificate"
              : ""),
          { cause: error },
        );
      }),
    );
    const plugin = channel.plugin;
    const options = { deadline };
    // The three calls go out together (one round trip, not three, before the first driver call);
    // their answers are read in order, so a contract mismatch is reported before anything else.
    const infoCall = startupCall<GetPluginInfoResponse>("GetPluginInfo", (done) => plugin.getPluginInfo({}, new Metadata(), options, done));
    const capabilitiesCall = startupCall<GetCapabilitiesResponse>("GetCapabilities", (done) =>
      plugin.getCapabilities({}, new Metadata(), options, done),
    );
    const probeCall = startupCall<ProbeResponse>("Probe", (done) => plugin.probe({}, new Metadata(), options, done));
    for (const later of [capabilitiesCall, probeCall]) later.catch(() => undefined); // read below, or moot
    const info = await step(infoCall);
    const contractVersion = negotiateContract(HOST_CONTRACT_VERSIONS, info.contractVersions, "GetPluginInfo");
    const capabilities = toPluginCapabilities(await step(capabilitiesCall));
    const probe = await step(probeCall);
    const pluginInfo = { name: info.name, vendorVersion: info.vendorVersion, contractVersions: info.contractVersions };
    // Not ready yet is not a start-up failure: a backend may come back; probe() tells the caller.
    if (!probe.ready) params.logger.warn({ message: probe.message }, "plugin connected but not ready");
    params.logger.info({ ...pluginInfo, contractVersion, operations: capabilities.operations, ready: probe.ready }, "plugin connected");
    return new PluginConnection({
      address: params.address,
      info: pluginInfo,
      capabilities,
      contractVersion,
      channel,
      maxMessageBytes: params.maxMessageBytes,
      logger: params.logger,
      ...(params.child ? { child: params.child } : {}),
    });
  } catch (error) {
    channel.close();
    throw PluginLaunchError.from(error);
  }
}

/** Runs one PluginService call; throws PLUGIN_STARTUP_CALL_FAILED naming the method and the status. */
function startupCall<T>(method: string, invoke: (callback: (error: ServiceError | null, response: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((error, response) => {
      if (error === null) {
        resolve(response);
        return;
      }
      const name = GrpcStatus[error.code] ?? String(error.code);
      const hint =
        error.code === GrpcStatus.UNIMPLEMENTED
          ? "the plugin must serve cgdriver.v1.PluginService beside the driver service"
          : "check the plugin's log";
      reject(new PluginLaunchError("PLUGIN_STARTUP_CALL_FAILED", `${method} failed with ${name}: ${error.details}; ${hint}`, { cause: error }));
    });
  });
}

/** Rejects with the signal's reason as soon as it aborts; otherwise settles as `promise` does. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Returns `value` when it is a positive finite number; throws PLUGIN_OPTIONS_INVALID naming it otherwise. */
export function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `${name} must be a positive number, got ${value}`);
  }
  return value;
}

/** The reason grpc-js gives for a channel not connected ("... Last error: ..."), from one quick call; undefined if it gives none. */
function lastConnectError(channel: PluginChannel): Promise<string | undefined> {
  return new Promise((resolve) => {
    try {
      channel.plugin.getPluginInfo({}, new Metadata(), { deadline: Date.now() + LAST_ERROR_PROBE_MS }, (error) => {
        // e.g. "No connection established. Last error: Error: certificate signature failure. Resolution note: "
        const last = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(error?.details ?? "")?.[1]?.trim();
        resolve(last ? `the last attempt failed: ${last}` : undefined);
      });
    } catch {
      resolve(undefined);
    }
  });
}
