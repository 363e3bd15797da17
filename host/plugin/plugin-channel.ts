// The gRPC channel to one plugin and the two generated clients on it. Transport security is
// applied here and only here (transport-security.ts decides which): plaintext on a private Unix
// socket or an explicitly insecure sidecar, mutual TLS with a pinned CA otherwise.
import { isIP } from "node:net";
import { checkServerIdentity } from "node:tls";
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
  // A plugin dialled by IP address with no serverName: grpc-js would send the address as the
  // TLS server name (SNI), which RFC 6066 forbids and Node warns about (DEP0123) in the host's
  // output. Send a placeholder name instead, and check the certificate against the address.
  const ipTarget = security.kind === "tls" && security.serverName === undefined ? ipAddressOf(target) : undefined;
  const channelOptions: ChannelOptions = {
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": options.maxMessageBytes,
    // The name checked against the plugin's certificate (and sent as SNI and :authority).
    ...(security.kind === "tls" && security.serverName !== undefined
      ? { "grpc.ssl_target_name_override": security.serverName, "grpc.default_authority": security.serverName }
      : {}),
    ...(ipTarget !== undefined ? { "grpc.ssl_target_name_override": IP_TARGET_SNI } : {}),
  };
  const channelCredentials = transportCredentials(security, ipTarget);
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

/** What a plugin dialled by IP address is told as the TLS server name: a name no certificate needs to carry. */
export const IP_TARGET_SNI = "cghost-plugin.invalid";

/** The IP address a `host:port` target names, or undefined (a DNS name, a Unix socket). */
function ipAddressOf(target: string): string | undefined {
  const host = /^\[?([^\]]+?)\]?:\d+$/.exec(target)?.[1];
  return host !== undefined && isIP(host) !== 0 ? host : undefined;
}

/**
 * The credentials of the channel: plaintext, or mutual TLS trusting only the given CA (never the
 * system roots). With `ipTarget`, the certificate must carry that IP address, whatever name grpc-js
 * asks it to carry (the SNI placeholder).
 */
function transportCredentials(security: TransportSecurity, ipTarget: string | undefined): ChannelCredentials {
  if (security.kind === "plaintext") return credentials.createInsecure();
  if (ipTarget === undefined) return credentials.createSsl(security.ca, security.key, security.cert);
  return credentials.createSsl(security.ca, security.key, security.cert, {
    checkServerIdentity: (_placeholder, cert) => checkServerIdentity(ipTarget, cert),
  });
}
