// The server credentials a plugin listens with (proto/README.md, "TLS"): a Unix socket needs none;
// TCP needs mutual TLS (from the host's environment when launched, from files as a sidecar),
// unless the operator explicitly accepts plaintext with `insecure`.
import { readFile } from "node:fs/promises";
import { ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { LaunchTls } from "./launch-environment.js";

/** Mutual TLS for a sidecar on `host:port`, from PEM files read once at start. */
export interface ServeTlsOptions {
  /** The CA certificate(s) the host's client certificate must chain to. */
  caFile: string;
  /** The plugin's server certificate (chain). */
  certFile: string;
  /** The private key of certFile. */
  keyFile: string;
}

/** Thrown when serve()'s transport options are refused or its TLS files cannot be used. */
export class ServeSecurityError extends Error {
  override readonly name = "ServeSecurityError";
}

/** What decides the credentials: where to listen, a launch's TLS, or a sidecar's options. */
export interface SecuritySettings {
  address: string;
  launchTls: LaunchTls | undefined;
  tls: ServeTlsOptions | undefined;
  insecure: boolean | undefined;
  logger: Logger;
}

/** The credentials to listen with; client certificates are always required when TLS is on. */
export async function serverCredentials(settings: SecuritySettings): Promise<ServerCredentials> {
  const { address, launchTls, tls, insecure, logger } = settings;
  if (launchTls !== undefined) return mutualTls(launchTls.ca, launchTls.cert, launchTls.key);
  if (tls !== undefined && insecure === true) {
    throw new ServeSecurityError("tls and insecure exclude each other: give tls for mutual TLS, or insecure: true for plaintext TCP, not both");
  }
  if (address.startsWith("unix:")) {
    if (tls !== undefined) {
      throw new ServeSecurityError("tls applies to host:port addresses only; a unix:// socket is protected by its file permissions: drop tls, or listen on host:port");
    }
    return ServerCredentials.createInsecure();
  }
  if (tls !== undefined) {
    const [ca, cert, key] = await Promise.all([readPem("caFile", tls.caFile), readPem("certFile", tls.certFile), readPem("keyFile", tls.keyFile)]);
    return mutualTls(ca, cert, key);
  }
  if (insecure === true) {
    logger.warn({ address }, `serving plaintext TCP on ${address} (insecure: true): anyone who can reach it can call the driver`);
    return ServerCredentials.createInsecure();
  }
  throw new ServeSecurityError(
    `${address} is a TCP address, which needs mutual TLS: pass tls: { caFile, certFile, keyFile } (the CA of the host's client certificate, and this plugin's certificate and key), ` +
      "or insecure: true to serve plaintext on a network you trust (a warning is logged), or listen on a unix:// socket",
  );
}

function mutualTls(ca: string | Buffer, cert: string | Buffer, key: string | Buffer): ServerCredentials {
  try {
    // checkClientCertificate: a client without a certificate from `ca` fails the TLS handshake.
    return ServerCredentials.createSsl(Buffer.from(ca), [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }], true);
  } catch (error) {
    throw new ServeSecurityError(
      `the TLS certificate, key and CA are not usable together: ${error instanceof Error ? error.message : String(error)}; check that the key is the certificate's and each is PEM`,
      { cause: error },
    );
  }
}

async function readPem(option: keyof ServeTlsOptions, path: string): Promise<Buffer> {
  const text = await readFile(path).catch((error: unknown) => {
    throw new ServeSecurityError(`cannot read tls.${option} ${JSON.stringify(path)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  if (!text.includes("-----BEGIN ")) throw new ServeSecurityError(`tls.${option} ${path} holds no PEM block (no "-----BEGIN "); give a PEM-encoded file`);
  return text;
}
