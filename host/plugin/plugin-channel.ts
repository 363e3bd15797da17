// The gRPC channel to one plugin and the two generated clients on it. Transport security is
// decided here and only here: plaintext today (a private Unix socket, or a sidecar on a trusted
// network); mTLS replaces `transportCredentials` when it arrives.
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";
import { ConsistencyGroupDriverServiceClient, PluginServiceClient } from "../contract.js";

/** The generated clients of a plugin, sharing one channel (one connection). */
export interface PluginChannel {
  driver: ConsistencyGroupDriverServiceClient;
  plugin: PluginServiceClient;
  /** Resolves once the channel is connected; rejects when `deadline` passes first. */
  waitForReady(deadline: number): Promise<void>;
  close(): void;
}

/** Opens a channel to `target` (a grpc-js target: `unix:///abs/path` or `host:port`). */
export function openPluginChannel(target: string, options: { maxMessageBytes: number }): PluginChannel {
  const channelOptions = {
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
  };
  const driver = new ConsistencyGroupDriverServiceClient(target, transportCredentials(), channelOptions);
  const plugin = new PluginServiceClient(target, transportCredentials(), { ...channelOptions, channelOverride: driver.getChannel() });
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

/** The credentials of the channel: plaintext until mTLS (client certificate, pinned CA) lands here. */
function transportCredentials(): ChannelCredentials {
  return credentials.createInsecure();
}
