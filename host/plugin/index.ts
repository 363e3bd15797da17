// host/plugin/: launching, handshake, connecting and transport classification for plugins.
// End-user symbols first.
export {
  superviseLaunchedPlugin,
  superviseSidecar,
  PluginSupervisor,
  type SupervisedLaunchOptions,
  type SupervisedSidecarOptions,
  type SupervisorEvents,
} from "./supervisor.js";
export { DEFAULT_PROBE_INTERVAL_MS, DEFAULT_RETRY_ATTEMPTS, type SupervisionOptions } from "./supervision-options.js";
export { DEFAULT_RESTART_BACKOFF, DEFAULT_RETRY_BACKOFF, type BackoffOptions } from "./backoff.js";
export { DEFAULT_CRASH_LOOP, type CrashLoopOptions } from "./crash-window.js";
export type { RetryOptions } from "./retry.js";
export { launchPlugin, type LaunchOptions, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_STOP_GRACE_MS } from "./launch.js";
export { connectPlugin, type ConnectOptions, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES } from "./connect.js";
export { PluginLaunchError, PLUGIN_LAUNCH_ERROR_CODES, type PluginLaunchErrorCode } from "./errors.js";
export type { LaunchTransport } from "./launch-transport.js";
export type { SidecarTlsOptions } from "./transport-security.js";
export type {
  CallOptions,
  PluginAvailability,
  PluginCapabilities,
  PluginClient,
  PluginInfo,
  PluginState,
  PluginStateEvent,
} from "./plugin-client.js";
export { classifyFailure, type ClassifiedFailure, type ClassifyContext, type FailureClass } from "./classify.js";
export { HOST_CONTRACT_VERSIONS } from "./handshake.js";
