// host/plugin/: launching, handshake, connecting and transport classification for plugins.
// End-user symbols first.
export { launchPlugin, type LaunchOptions, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_STOP_GRACE_MS } from "./launch.js";
export { connectPlugin, type ConnectOptions, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_MESSAGE_BYTES } from "./connect.js";
export { PluginLaunchError, PLUGIN_LAUNCH_ERROR_CODES, type PluginLaunchErrorCode } from "./errors.js";
export type { CallOptions, PluginCapabilities, PluginClient, PluginInfo } from "./plugin-client.js";
export { classifyFailure, type ClassifiedFailure, type ClassifyContext, type FailureClass } from "./classify.js";
export { HOST_CONTRACT_VERSIONS } from "./handshake.js";
