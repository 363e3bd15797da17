// The one error class a plugin start-up (launch or sidecar connect) rejects with, and its codes.
// Calls never use it: a failed call is a `raised` outcome (see classify.ts), not an exception.

/** Stable codes of a failed start-up, each with what it means and what to do. */
export const PLUGIN_LAUNCH_ERROR_CODES = {
  /** The launch or connect options are unusable (empty command, bad timeout, socket path too long). */
  PLUGIN_OPTIONS_INVALID: "the plugin options are invalid; fix the named option",
  /** The command could not be started at all (not found, not executable). */
  PLUGIN_SPAWN_FAILED: "the plugin command could not be started; check its path and permissions",
  /** The plugin did not write its handshake line in time. */
  PLUGIN_HANDSHAKE_TIMEOUT:
    "the plugin did not write its handshake line to descriptor 3 in time; check that it implements the handshake of proto/README.md, or raise handshakeTimeoutMs",
  /** The plugin exited before it was ready. */
  PLUGIN_EXITED: "the plugin exited during start-up; its standard error says why",
  /** The handshake line is not the one proto/README.md describes. */
  PLUGIN_HANDSHAKE_INVALID: "the plugin's handshake line is malformed; fix the plugin to write the line of proto/README.md",
  /** The host and the plugin share no contract version. */
  PLUGIN_CONTRACT_MISMATCH: "the host and the plugin speak no common contract version; upgrade the older side",
  /** A sidecar address is neither `unix:///absolute/path` nor `host:port`. */
  PLUGIN_ADDRESS_INVALID: "the plugin address is malformed; use unix:///absolute/path or host:port",
  /** The host could not open a connection to the plugin's address in time. */
  PLUGIN_CONNECT_FAILED: "the host could not connect to the plugin; check that it is running and listening there",
  /** GetPluginInfo, GetCapabilities or Probe failed. */
  PLUGIN_STARTUP_CALL_FAILED: "a start-up call to the plugin failed; check that it serves cgdriver.v1.PluginService",
  /** A sidecar's TLS file (caFile, certFile, keyFile) cannot be read, is not PEM, or does not fit the others. */
  PLUGIN_TLS_FILES_INVALID: "a TLS file for the plugin connection cannot be used; fix or replace the named file",
  /** GetCapabilities named an operation or source kind the host does not know, or UNSPECIFIED. */
  PLUGIN_CAPABILITIES_INVALID: "the plugin's GetCapabilities answer is invalid; fix the plugin",
} as const;

export type PluginLaunchErrorCode = keyof typeof PLUGIN_LAUNCH_ERROR_CODES;

/**
 * A plugin could not be launched or connected to. The message starts with the code, names the
 * command or address and the cause, quotes the plugin's last lines of standard error when there
 * are any, and says what to do.
 */
export class PluginLaunchError extends Error {
  readonly code: PluginLaunchErrorCode;
  /** The plugin's last lines of standard error at the time of the failure (launched plugins only). */
  readonly stderrTail: readonly string[];

  constructor(code: PluginLaunchErrorCode, message: string, options?: { cause?: unknown; stderrTail?: readonly string[] }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PluginLaunchError";
    this.code = code;
    this.stderrTail = options?.stderrTail ?? [];
  }

  /** Normalises anything thrown during start-up into a PluginLaunchError; other errors get `fallback`. */
  static from(error: unknown, fallback: PluginLaunchErrorCode = "PLUGIN_CONNECT_FAILED"): PluginLaunchError {
    if (error instanceof PluginLaunchError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new PluginLaunchError(fallback, message, { cause: error });
  }

  /** The message without its `CODE: ` prefix, for wrapping in a message with more context. */
  get reason(): string {
    return this.message.slice(this.code.length + 2);
  }
}
