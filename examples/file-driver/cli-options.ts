// The command line of the file driver, parsed apart from main.ts so it needs no SDK to test.
import { parseArgs } from "node:util";
import { SERVE_FLAGS, serveFlagsHelp, serveOptionsFromFlags, ServeFlagsError, type ServeFlagValues } from "../../plugin-sdk/serve-flags.js";
import type { ServeOptions } from "../../plugin-sdk/serve.js";

/** The --help text. */
export const HELP = `file-driver: a cghost consistency-group driver that keeps volumes as sparse files.

Usage:
  node dist/examples/file-driver/file-driver.mjs --data-dir DIR [--bytes-per-gb N]
                     [--address ADDR [--tls-ca FILE --tls-cert FILE --tls-key FILE | --insecure]]
  (file-driver.mjs is the bundle npm run build makes; main.js beside it runs the same driver)

Options:
  --data-dir DIR      where volumes, groups, cgsnapshots and the operation ledger live
                      (created if missing; one driver process per directory)
  --bytes-per-gb N    bytes per GB of volume size (default 1073741824, a real GiB).
                      Demos and tests pass a small value such as 1048576 (1 MiB) so that
                      copies stay cheap where the file system has no reflinks.
${serveFlagsHelp(22)}
  -h, --help          print this text and exit

Run it under cghost as a launched child, e.g. plugin command
  node dist/examples/file-driver/file-driver.mjs --data-dir ./.cghost/file-driver
The handshake, health and shutdown are the plugin SDK's (proto/README.md).
`;

/** What the command line asks for. */
export type CliCommand =
  | { kind: "help" }
  | { kind: "serve"; dataDir: string; bytesPerGb: number | undefined; transport: Pick<ServeOptions, "address" | "tls" | "insecure"> };

/** A command line the driver cannot run with; its message says what to fix. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}

/** Parses the driver's arguments (without the node and script paths). */
export function parseCli(args: readonly string[]): CliCommand {
  let values: { "data-dir"?: string; "bytes-per-gb"?: string; help?: boolean } & ServeFlagValues;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        "data-dir": { type: "string" },
        "bytes-per-gb": { type: "string" },
        ...SERVE_FLAGS,
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: "help" };
  const dataDir = values["data-dir"];
  if (dataDir === undefined || dataDir === "") throw new CliUsageError("--data-dir DIR is required");
  const transport = transportOf(values);
  const raw = values["bytes-per-gb"];
  if (raw === undefined) return { kind: "serve", dataDir, bytesPerGb: undefined, transport };
  const bytesPerGb = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(bytesPerGb) || bytesPerGb < 1) {
    throw new CliUsageError(`--bytes-per-gb must be a positive whole number of bytes, got ${JSON.stringify(raw)}`);
  }
  return { kind: "serve", dataDir, bytesPerGb, transport };
}

function transportOf(values: ServeFlagValues): Pick<ServeOptions, "address" | "tls" | "insecure"> {
  try {
    return serveOptionsFromFlags(values);
  } catch (error) {
    if (error instanceof ServeFlagsError) throw new CliUsageError(error.message);
    throw error;
  }
}
