// How a launched child is reached: a Unix socket in the launch's private 0700 directory (the
// default), or TCP on loopback with mutual TLS from certificates made for this launch alone.
// proto/README.md, "The launched-child handshake" and "TLS".
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { createEphemeralTls, EPHEMERAL_SERVER_NAME } from "./ephemeral-tls.js";
import { PluginLaunchError } from "./errors.js";
import type { HandshakeExpectation } from "./handshake.js";
import type { TransportSecurity } from "./transport-security.js";

/** How the host reaches a child it launches. */
export type LaunchTransport = "unix" | "tcp";

/** The transport-specific part of one launch. */
export interface PreparedTransport {
  /** The CGHOST_* variables naming where and how to listen; the other transport's are set empty. */
  env: Record<string, string>;
  /** What the handshake line's address must be, given the launch's nonce. */
  expect(nonce: string): HandshakeExpectation;
  security: TransportSecurity;
}

// sockaddr_un holds 108 bytes on Linux (104 on macOS), terminator included.
const MAX_SOCKET_PATH_BYTES = 103;

/** Chooses the socket path (unix) or makes the ephemeral certificates (tcp) for one launch in `dir`. */
export async function prepareLaunchTransport(transport: LaunchTransport, dir: string): Promise<PreparedTransport> {
  if (transport === "unix") {
    const socketPath = join(dir, "plugin.sock");
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new PluginLaunchError(
        "PLUGIN_OPTIONS_INVALID",
        `the socket path ${socketPath} is longer than a Unix socket allows (${MAX_SOCKET_PATH_BYTES} bytes); set TMPDIR to a shorter directory`,
      );
    }
    return {
      env: { CGHOST_PLUGIN_SOCKET: socketPath, CGHOST_PLUGIN_TLS_CERT: "", CGHOST_PLUGIN_TLS_KEY: "", CGHOST_PLUGIN_TLS_CA: "" },
      expect: (nonce) => ({ nonce, socketPath }),
      security: { kind: "plaintext" },
    };
  }
  // The PEMs travel in the child's environment, never in a file: nothing to leak on disk if the
  // host is killed before it can clean up, and /proc/PID/environ is readable by the same user
  // only, the same boundary as the 0700 directory. The SDK removes them from its own environment
  // once read, so the driver's own subprocesses do not inherit the key.
  const tls = await createEphemeralTls();
  return {
    env: {
      CGHOST_PLUGIN_SOCKET: "",
      CGHOST_PLUGIN_TLS_CERT: tls.server.cert,
      CGHOST_PLUGIN_TLS_KEY: tls.server.key,
      CGHOST_PLUGIN_TLS_CA: tls.ca,
    },
    expect: (nonce) => ({ nonce, transport: "tcp" }),
    security: {
      kind: "tls",
      ca: Buffer.from(tls.ca),
      cert: Buffer.from(tls.client.cert),
      key: Buffer.from(tls.client.key),
      serverName: EPHEMERAL_SERVER_NAME,
    },
  };
}

/** Returns the transport option, `unix` when absent; throws PLUGIN_OPTIONS_INVALID for anything else. */
export function checkLaunchTransport(transport: unknown): LaunchTransport {
  if (transport === undefined || transport === "unix" || transport === "tcp") return transport ?? "unix";
  throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `transport must be "unix" (the default) or "tcp", got ${JSON.stringify(transport)}`);
}
