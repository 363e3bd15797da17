// What a host tells the plugin it launched, read from the environment (proto/README.md, "The
// launched-child handshake"). Absent CGHOST_PLUGIN_SOCKET means nobody launched us as a child.
import { isAbsolute } from "node:path";

/** The launched-child settings the host passed in the environment. */
export interface LaunchEnvironment {
  /** Where to listen: `unix://` followed by CGHOST_PLUGIN_SOCKET. */
  address: string;
  /** The descriptor of the handshake channel and lifeline (CGHOST_HANDSHAKE_FD, `3` today). */
  handshakeFd: number;
  /** The one-time string to echo in the handshake line (CGHOST_PLUGIN_NONCE). */
  nonce: string;
  /** The contract versions the host speaks (CGHOST_CONTRACT_VERSIONS). */
  hostContractVersions: string[];
}

/** Thrown when the environment says "launched by a host" but is incomplete or wrong. */
export class LaunchEnvironmentError extends Error {
  override readonly name = "LaunchEnvironmentError";
}

const DEFAULT_HANDSHAKE_FD = 3;

/** Reads the launch settings from `env`; undefined when CGHOST_PLUGIN_SOCKET is not set. */
export function readLaunchEnvironment(env: NodeJS.ProcessEnv, handshakeFdOverride?: number): LaunchEnvironment | undefined {
  const socket = env.CGHOST_PLUGIN_SOCKET;
  if (socket === undefined || socket === "") return undefined;
  if (!isAbsolute(socket)) {
    throw new LaunchEnvironmentError(`CGHOST_PLUGIN_SOCKET must be an absolute socket path, got ${JSON.stringify(socket)}`);
  }
  const fdText = env.CGHOST_HANDSHAKE_FD;
  const handshakeFd = handshakeFdOverride ?? (fdText === undefined || fdText === "" ? DEFAULT_HANDSHAKE_FD : Number(fdText));
  if (!Number.isInteger(handshakeFd) || handshakeFd < 3) {
    throw new LaunchEnvironmentError(`the handshake descriptor must be an integer >= 3 (CGHOST_HANDSHAKE_FD), got ${JSON.stringify(fdText ?? handshakeFd)}`);
  }
  const nonce = env.CGHOST_PLUGIN_NONCE;
  if (nonce === undefined || nonce === "") {
    throw new LaunchEnvironmentError("CGHOST_PLUGIN_SOCKET is set but CGHOST_PLUGIN_NONCE is not: a host sets both; do not set CGHOST_PLUGIN_SOCKET by hand");
  }
  const hostContractVersions = (env.CGHOST_CONTRACT_VERSIONS ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  return { address: `unix://${socket}`, handshakeFd, nonce, hostContractVersions };
}
