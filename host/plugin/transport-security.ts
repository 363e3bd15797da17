// What protects the channel to a plugin, decided before dialling: a Unix socket (file permissions
// do), mutual TLS (ephemeral for a launched TCP child, from files for a sidecar), or plaintext TCP
// only when the operator said `insecure`. proto/README.md, "TLS".
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import type { Logger } from "pino";
import { PluginLaunchError } from "./errors.js";

/** How the host's end of a channel is secured. */
export type TransportSecurity =
  | { kind: "plaintext" }
  | {
      kind: "tls";
      /** PEM: the CA(s) the plugin's certificate must chain to (no system roots). */
      ca: Buffer;
      /** PEM: the host's client certificate (chain) and its private key, which the plugin checks. */
      cert: Buffer;
      key: Buffer;
      /** The name the plugin's certificate must carry; default the address's host. */
      serverName?: string;
    };

/** Mutual TLS for a sidecar, from PEM files read once at connect. */
export interface SidecarTlsOptions {
  /** The CA certificate(s) that signed the plugin's server certificate. */
  caFile: string;
  /** The host's client certificate (the plugin must trust its issuer). */
  certFile: string;
  /** The private key of certFile. */
  keyFile: string;
  /** The name to check the plugin's certificate against, when it differs from the address's host. */
  serverName?: string;
}

/**
 * Chooses the security of a sidecar connection: `unix://` needs none; `host:port` needs `tls`,
 * or `insecure: true` (plaintext, logged as a warning). Throws PLUGIN_OPTIONS_INVALID when the
 * combination is refused and PLUGIN_TLS_FILES_INVALID naming a file that cannot be used.
 */
export async function sidecarSecurity(
  address: string,
  options: { tls?: SidecarTlsOptions | undefined; insecure?: boolean | undefined },
  logger: Logger,
): Promise<TransportSecurity> {
  const choice = sidecarSecurityChoice(address, options);
  if (choice === "tls") {
    const tls = options.tls!;
    return { kind: "tls", ...(await readTlsFiles(tls)), ...(tls.serverName ? { serverName: tls.serverName } : {}) };
  }
  if (choice === "insecure-tcp") {
    logger.warn({ address }, `connecting to the plugin at ${address} over plaintext TCP (insecure: true): anyone on the network path can read and forge driver calls`);
  }
  return { kind: "plaintext" };
}

/**
 * Which security a sidecar address and its options make, before any file is read; throws
 * PLUGIN_OPTIONS_INVALID when the combination is refused. `cghost serve` checks its configuration
 * with it, so that `--print-config` refuses what the connection would.
 */
export function sidecarSecurityChoice(
  address: string,
  options: { tls?: SidecarTlsOptions | undefined; insecure?: boolean | undefined },
): "unix" | "tls" | "insecure-tcp" {
  const { tls, insecure } = options;
  if (tls !== undefined && insecure === true) {
    throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", "tls and insecure exclude each other: give tls for mutual TLS, or insecure: true for plaintext, not both");
  }
  if (address.startsWith("unix:")) {
    if (tls !== undefined) {
      throw new PluginLaunchError(
        "PLUGIN_OPTIONS_INVALID",
        "tls applies to host:port addresses only; a unix:// socket is protected by its file permissions: drop tls, or dial the plugin's TCP address",
      );
    }
    return "unix";
  }
  if (tls !== undefined) return "tls";
  if (insecure === true) return "insecure-tcp";
  throw new PluginLaunchError(
    "PLUGIN_OPTIONS_INVALID",
    `${address} is a TCP address, which needs mutual TLS: add tls: { caFile, certFile, keyFile } (the CA of the plugin's certificate, and the host's client certificate and key), ` +
      "or insecure: true to accept plaintext on a network you trust (a warning is logged), or serve the plugin on a unix:// socket",
  );
}

/** Reads the three PEM files and checks they form a usable TLS identity; names the file at fault. */
async function readTlsFiles(tls: SidecarTlsOptions): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  const read = async (option: keyof SidecarTlsOptions, path: string | undefined): Promise<Buffer> => {
    if (typeof path !== "string" || path === "") {
      throw new PluginLaunchError("PLUGIN_OPTIONS_INVALID", `tls.${option} must name a PEM file, got ${JSON.stringify(path)}`);
    }
    const text = await readFile(path).catch((error: unknown) => {
      throw new PluginLaunchError(
        "PLUGIN_TLS_FILES_INVALID",
        `cannot read tls.${option} ${path}: ${error instanceof Error ? error.message : String(error)}; check the path and that the host's user may read it`,
        { cause: error },
      );
    });
    if (!text.includes("-----BEGIN ")) {
      throw new PluginLaunchError("PLUGIN_TLS_FILES_INVALID", `tls.${option} ${path} holds no PEM block (no "-----BEGIN "); give a PEM-encoded file`);
    }
    return text;
  };
  const [ca, cert, key] = await Promise.all([read("caFile", tls.caFile), read("certFile", tls.certFile), read("keyFile", tls.keyFile)]);
  try {
    // What grpc-js will do with them, done now so a bad file fails the connect with its name.
    createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new PluginLaunchError(
      "PLUGIN_TLS_FILES_INVALID",
      `the TLS files (caFile ${tls.caFile}, certFile ${tls.certFile}, keyFile ${tls.keyFile}) are not usable together: ${error instanceof Error ? error.message : String(error)}; ` +
        "check that keyFile is the private key of certFile and that each holds the PEM it is named for",
      { cause: error },
    );
  }
  return { ca, cert, key };
}
