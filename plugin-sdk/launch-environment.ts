// What a host tells the plugin it launched, read from the environment (proto/README.md, "The
// launched-child handshake" and "TLS"). With neither CGHOST_PLUGIN_SOCKET nor
// CGHOST_PLUGIN_TLS_CERT set, nobody launched us as a child.
import { isAbsolute } from "node:path";

/** The launched-child settings the host passed in the environment. */
export interface LaunchEnvironment {
  /** Where to listen: `unix://` followed by CGHOST_PLUGIN_SOCKET, or `127.0.0.1:0` for a TCP launch. */
  address: string;
  /** A TCP launch's mutual TLS, PEM (CGHOST_PLUGIN_TLS_CERT, _KEY, _CA); absent for a Unix socket. */
  tls?: LaunchTls;
  /** The descriptor of the handshake channel and lifeline (CGHOST_HANDSHAKE_FD, `3` today). */
  handshakeFd: number;
  /** The one-time string to echo in the handshake line (CGHOST_PLUGIN_NONCE). */
  nonce: string;
  /** The contract versions the host speaks (CGHOST_CONTRACT_VERSIONS). */
  hostContractVersions: string[];
}

/** The plugin's server certificate and key, and the CA its host's client certificate must chain to. */
export interface LaunchTls {
  cert: string;
  key: string;
  ca: string;
}

/** The variables of a TCP launch; serve() removes them from process.env once read. */
export const LAUNCH_TLS_VARIABLES = ["CGHOST_PLUGIN_TLS_CERT", "CGHOST_PLUGIN_TLS_KEY", "CGHOST_PLUGIN_TLS_CA"] as const;

/** Thrown when the environment says "launched by a host" but is incomplete or wrong. */
export class LaunchEnvironmentError extends Error {
  override readonly name = "LaunchEnvironmentError";
}

const DEFAULT_HANDSHAKE_FD = 3;

/** Reads the launch settings from `env`; undefined when neither CGHOST_PLUGIN_SOCKET nor CGHOST_PLUGIN_TLS_CERT is set. */
export function readLaunchEnvironment(env: NodeJS.ProcessEnv, handshakeFdOverride?: number): LaunchEnvironment | undefined {
  const socket = env.CGHOST_PLUGIN_SOCKET ?? "";
  const [cert, key, ca] = LAUNCH_TLS_VARIABLES.map((name) => env[name] ?? "");
  if (socket === "" && cert === "") return undefined;
  if (socket !== "" && cert !== "") {
    throw new LaunchEnvironmentError("both CGHOST_PLUGIN_SOCKET and CGHOST_PLUGIN_TLS_CERT are set: a host sets one (a Unix socket, or TCP with TLS); do not set them by hand");
  }
  if (socket !== "" && !isAbsolute(socket)) {
    throw new LaunchEnvironmentError(`CGHOST_PLUGIN_SOCKET must be an absolute socket path, got ${JSON.stringify(socket)}`);
  }
  if (cert !== "" && (key === "" || ca === "")) {
    throw new LaunchEnvironmentError(
      `CGHOST_PLUGIN_TLS_CERT is set but ${key === "" ? "CGHOST_PLUGIN_TLS_KEY" : "CGHOST_PLUGIN_TLS_CA"} is not: a host launching over TCP sets all three`,
    );
  }
  const fdText = env.CGHOST_HANDSHAKE_FD;
  const handshakeFd = handshakeFdOverride ?? (fdText === undefined || fdText === "" ? DEFAULT_HANDSHAKE_FD : Number(fdText));
  if (!Number.isInteger(handshakeFd) || handshakeFd < 3) {
    throw new LaunchEnvironmentError(`the handshake descriptor must be an integer >= 3 (CGHOST_HANDSHAKE_FD), got ${JSON.stringify(fdText ?? handshakeFd)}`);
  }
  const nonce = env.CGHOST_PLUGIN_NONCE;
  if (nonce === undefined || nonce === "") {
    throw new LaunchEnvironmentError(
      `${socket !== "" ? "CGHOST_PLUGIN_SOCKET" : "CGHOST_PLUGIN_TLS_CERT"} is set but CGHOST_PLUGIN_NONCE is not: a host sets both; do not set them by hand`,
    );
  }
  const hostContractVersions = (env.CGHOST_CONTRACT_VERSIONS ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  const transport = socket !== "" ? { address: `unix://${socket}` } : { address: "127.0.0.1:0", tls: { cert: cert!, key: key!, ca: ca! } };
  return { ...transport, handshakeFd, nonce, hostContractVersions };
}
