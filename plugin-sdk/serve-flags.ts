// The command-line flags of a driver that can also run as a sidecar, turned into serve()'s options:
// where to listen, and for a host:port address either mutual TLS from PEM files or an explicit
// --insecure. Checked before anything starts, so a bad combination is a usage error that names
// the flag, not a stack trace from serve(). Free of the SDK's runtime: a driver's option parser
// can import it and stay testable on its own.
import type { ServeOptions } from "./serve.js";

/** The flags, in node:util parseArgs's form; spread them into a driver's own options. */
export const SERVE_FLAGS = {
  address: { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  insecure: { type: "boolean" },
} as const;

/** What parseArgs gives for SERVE_FLAGS. */
export interface ServeFlagValues {
  address?: string;
  "tls-ca"?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
  insecure?: boolean;
}

/** The flags' help lines, the option names padded to `column` characters. */
export function serveFlagsHelp(column: number): string {
  const rows: Array<[string, string[]]> = [
    ["--address ADDR", ["run as a sidecar listening on ADDR (unix:///abs/path.sock or host:port)", "instead of as a child launched by cghost"]],
    ["--tls-ca FILE", ["with a host:port ADDR, mutual TLS: the CA the host's client certificate"]],
    ["--tls-cert FILE", ["must chain to, and this plugin's certificate and key (PEM files; give", "all three)"]],
    ["--tls-key FILE", []],
    ["--insecure", ["with a host:port ADDR, plaintext instead of TLS, for a network you trust", "(a warning is logged)"]],
  ];
  return rows
    .flatMap(([flag, lines]) => (lines.length === 0 ? [`  ${flag}`] : lines.map((line, i) => `  ${(i === 0 ? flag : "").padEnd(column - 2)}${line}`)))
    .join("\n");
}

/** A combination of the flags that cannot work; the message names the flag and what to do. */
export class ServeFlagsError extends Error {
  override readonly name = "ServeFlagsError";
}

/** serve()'s transport options from the flags; throws ServeFlagsError for a combination that cannot work. */
export function serveOptionsFromFlags(values: ServeFlagValues): Pick<ServeOptions, "address" | "tls" | "insecure"> {
  const { address, insecure } = values;
  const tlsFlags = (["tls-ca", "tls-cert", "tls-key"] as const).filter((flag) => values[flag] !== undefined);
  for (const flag of tlsFlags) if (values[flag] === "") throw new ServeFlagsError(`--${flag} needs a file name`);
  if (address === "") throw new ServeFlagsError("--address needs a value such as unix:///run/driver.sock or 127.0.0.1:50051");
  const wantsTls = tlsFlags.length > 0;
  if (address === undefined) {
    if (wantsTls || insecure) {
      throw new ServeFlagsError(
        `--${wantsTls ? tlsFlags[0] : "insecure"} applies to a sidecar on host:port: give --address too (a child cghost launches gets its transport from the host)`,
      );
    }
    return {};
  }
  if (address.startsWith("unix:")) {
    if (wantsTls || insecure) {
      throw new ServeFlagsError(
        `--${wantsTls ? tlsFlags[0] : "insecure"} applies to host:port addresses; ${address} is a Unix socket, protected by its file permissions: drop the flag`,
      );
    }
    return { address };
  }
  if (wantsTls && insecure) throw new ServeFlagsError("--insecure and --tls-* exclude each other: mutual TLS or plaintext, not both");
  if (wantsTls) {
    const missing = (["tls-ca", "tls-cert", "tls-key"] as const).filter((flag) => values[flag] === undefined);
    if (missing.length > 0) throw new ServeFlagsError(`mutual TLS needs --tls-ca, --tls-cert and --tls-key together; missing ${missing.map((f) => `--${f}`).join(", ")}`);
    return { address, tls: { caFile: values["tls-ca"]!, certFile: values["tls-cert"]!, keyFile: values["tls-key"]! } };
  }
  if (insecure) return { address, insecure: true };
  throw new ServeFlagsError(
    `--address ${address} is a TCP address, which needs mutual TLS (--tls-ca, --tls-cert and --tls-key) or --insecure for plaintext on a network you trust; or listen on a unix:///abs/path.sock`,
  );
}
