// The faulty driver's command line: which faults to commit, parsed apart from main.ts so it needs
// no SDK to test.
import { parseArgs } from "node:util";
import { SERVE_FLAGS, serveFlagsHelp, serveOptionsFromFlags, ServeFlagsError, type ServeFlagValues } from "../../plugin-sdk/serve-flags.js";
import type { ServeOptions } from "../../plugin-sdk/serve.js";

/** Every fault, with what the driver then does wrong and the conformance check that catches it. */
export const FAULTS = {
  "wrong-ids": "CreateCgSnapshot answers with each snapshot's volume id instead of its own id (caught by well-formed, R7.1)",
  "bad-statuses": "CreateConsistencyGroup answers GROUP_STATUS_CREATING, a transitional status (caught by well-formed, R7.3)",
  "unknown-field": "CreateConsistencyGroup answers with field number 15, which the contract does not define (caught by well-formed, R7.4)",
  hang: "one operation (--hang-on, default create_cgsnapshot) never answers and ignores its deadline and cancellation (caught by deadlines)",
  crash: "the process exits when two calls are in flight at once; calls take 50 ms so that concurrent ones overlap (caught by concurrency)",
  "non-idempotent": "no operation ledger: a repeated operation id makes a second backend object with a new provider_id (caught by idempotency)",
  "lying-capabilities": "declares create-from-source from a group, then answers UNIMPLEMENTED for it (caught by capabilities)",
  "delete-gone-fails": "deleting a group or cgsnapshot it does not hold answers NOT_FOUND (caught by delete-gone)",
} as const;

export type Fault = keyof typeof FAULTS;

/** The operations, by the names --hang-on takes. */
export const OPERATIONS = [
  "create_group",
  "create_group_from_source",
  "delete_group",
  "update_group",
  "create_cgsnapshot",
  "delete_cgsnapshot",
] as const;

export type OperationName = (typeof OPERATIONS)[number];

/** The --help text. */
export const HELP = `faulty-driver: a cghost driver that breaks the contract on purpose, one fault per flag, so
that 'cghost conformance' can be shown to catch each. Without --fault it is a correct in-memory driver.

Usage:
  node dist/examples/faulty-driver/main.js [--fault FAULT]... [--hang-on OPERATION] [--without OPERATION]...
                     [--address ADDR [--tls-ca FILE --tls-cert FILE --tls-key FILE | --insecure]]

Options:
  --fault FAULT        commit FAULT; repeat the flag or separate faults with commas. FAULT is one of:
${Object.entries(FAULTS)
  .map(([name, what]) => `                         ${name}: ${what}`)
  .join("\n")}
  --hang-on OPERATION  the operation the hang fault never answers (default create_cgsnapshot); one of
                         ${OPERATIONS.join(", ")}
  --without OPERATION  leave OPERATION out, as a driver that does not support it: not declared, and
                       answered UNIMPLEMENTED (not a fault); repeat the flag or separate with commas
${serveFlagsHelp(23)}
  -h, --help           print this text and exit

Example:
  cghost conformance --plugin-command "node dist/examples/faulty-driver/main.js --fault wrong-ids"
`;

/** What the command line asks for. */
export type CliCommand =
  | { kind: "help" }
  | {
      kind: "serve";
      faults: ReadonlySet<Fault>;
      hangOn: OperationName;
      without: ReadonlySet<OperationName>;
      transport: Pick<ServeOptions, "address" | "tls" | "insecure">;
    };

/** A command line the driver cannot run with; its message says what to fix. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}

/** Parses the driver's arguments (without the node and script paths). */
export function parseCli(args: readonly string[]): CliCommand {
  let values: { fault?: string[]; "hang-on"?: string; without?: string[]; help?: boolean } & ServeFlagValues;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        fault: { type: "string", multiple: true },
        "hang-on": { type: "string" },
        without: { type: "string", multiple: true },
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
  const faults = new Set<Fault>();
  for (const name of listed(values.fault)) {
    if (!(name in FAULTS)) throw new CliUsageError(`--fault ${JSON.stringify(name)} is not a fault; use one of ${Object.keys(FAULTS).join(", ")}`);
    faults.add(name as Fault);
  }
  const hangOn = values["hang-on"] ?? "create_cgsnapshot";
  if (!(OPERATIONS as readonly string[]).includes(hangOn)) {
    throw new CliUsageError(`--hang-on ${JSON.stringify(hangOn)} is not an operation; use one of ${OPERATIONS.join(", ")}`);
  }
  const without = new Set<OperationName>();
  for (const name of listed(values.without)) {
    if (!(OPERATIONS as readonly string[]).includes(name)) {
      throw new CliUsageError(`--without ${JSON.stringify(name)} is not an operation; use one of ${OPERATIONS.join(", ")}`);
    }
    without.add(name as OperationName);
  }
  let transport: Pick<ServeOptions, "address" | "tls" | "insecure">;
  try {
    transport = serveOptionsFromFlags(values);
  } catch (error) {
    if (error instanceof ServeFlagsError) throw new CliUsageError(error.message);
    throw error;
  }
  return { kind: "serve", faults, hangOn: hangOn as OperationName, without, transport };
}

/** The names of a repeatable flag whose values may also be comma-separated. */
function listed(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}
