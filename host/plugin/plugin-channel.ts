// The gRPC channel to one plugin and the two generated clients on it. Transport security is
// applied here and only here (transport-security.ts decides which): plaintext on a private Unix
// socket or an explicitly insecure sidecar, mutual TLS with a pinned CA otherwise.
import { credentials, type ChannelCredentials, type ChannelOptions } from "@grpc/grpc-js";
import { ConsistencyGroupDriverServiceClient, PluginServiceClient } from "../contract.js";
import type { TransportSecurity } from "./transport-security.js";

/** The generated clients of a plugin, sharing one channel (one connection). */
export interface PluginChannel {
  driver: ConsistencyGroupDriverServiceClient;
  plugin: PluginServiceClient;
  /** Resolves once the channel is connected; rejects when `deadline` passes first. */
  waitForReady(deadline: number): Promise<void>;
  close(): void;
}

/** Opens a channel to `target` (a grpc-js target: `unix:///abs/path` or `host:port`). */
export function openPluginChannel(target: string, options: { maxMessageBytes: number; security?: TransportSecurity }): PluginChannel {
  const security = options.security ?? { kind: "plaintext" };
  const channelOptions: ChannelOptions = {
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
    // The name checked against the plugin's certificate (and sent as SNI and :authority).
    ...(security.kind === "tls" && security.serverName !== undefined
      ? { "grpc.ssl_target_name_override": security.serverName, "grpc.default_authority": security.serverName }
      : {}),
  };
  const channelCredentials = transportCredentials(security);
  const driver = new ConsistencyGroupDriverServiceClient(target, channelCredentials, channelOptions);
  const plugin = new PluginServiceClient(target, channelCredentials, { ...channelOptions, channelOverride: driver.getChannel() });
  return {
    driver,
    plugin,
    waitForReady: (deadline) =>
      new Promise((resolve, reject) => {
        driver.waitForReady(deadline, (error) => (error ? reject(error) : resolve()));
      }),
    close: () => driver.close(),
  };
}

/** The credentials of the channel: plaintext, or mutual TLS trusting only the given CA (never the system roots). */
function transportCredentials(security: TransportSecurity): ChannelCredentials {
  if (security.kind === "plaintext") return credentials.createInsecure();
  return credentials.createSsl(security.ca, security.key, security.cert);
}
