// `cghost conformance`: runs the conformance kit (host/conformance/) against a plugin and prints
// a report; --json for machines, --junit FILE for CI. Exit 0 when every check passed or was
// skipped, 1 when any failed, 2 for a bad command line.
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_CALL_DEADLINE_MS,
  formatJsonReport,
  formatJunitReport,
  formatTextReport,
  runConformance,
  ShellWordsError,
  splitShellWords,
  type ConformanceTarget,
} from "../conformance/index.js";
import type { Command } from "./command.js";

const HELP = `Usage: cghost conformance (--plugin-command "COMMAND" [--plugin-arg ARG]... | --plugin-address ADDR [--plugin-insecure])
                          [--json] [--junit FILE] [--timeout-ms N] [--verbose]

Checks that a driver plugin keeps the contract (proto/README.md, RULES.md), the way csi-sanity
checks a CSI driver: the handshake and PluginService; capabilities (what is declared works, what
is not answers UNIMPLEMENTED); idempotency (the same operation id twice gives the same answer);
deleting what is already gone succeeds; concurrent calls on different groups; deadlines and
cancellation; cleanup (everything the kit made is deleted, and it touches nothing else); and
that every answer is well formed (RULES.md section 7). The kit makes its own groups, volumes and
cgsnapshots (project "cghost-conformance") and deletes them at the end.

Options:
  --plugin-command "COMMAND"  launch the plugin as the host does (the handshake of proto/README.md).
                              The string is split into words like a shell does quoting ('...',
                              "...", backslash) but nothing is expanded: no $VARIABLES, globs or ~.
  --plugin-arg ARG            one more argument for the command, taken as is; repeat for several.
                              --plugin-command node --plugin-arg "my dir/main.js" needs no quoting;
                              an argument that starts with a dash takes the form --plugin-arg=--flag.
  --plugin-address ADDR       check a sidecar already running at unix:///abs/path.sock or host:port
  --plugin-insecure           talk plaintext to a host:port sidecar (the kit does not do TLS yet)
  --json                      print the report as JSON instead of text
  --junit FILE                also write the report as JUnit XML to FILE, for CI systems
  --timeout-ms N              the deadline of each driver call, in ms (default ${DEFAULT_CALL_DEADLINE_MS})
  -v, --verbose               list what every check saw, not only the checks that did not pass
  -h, --help                  print this text

Example:
  cghost conformance --plugin-command "node dist/examples/file-driver/main.js --data-dir /tmp/fd --bytes-per-gb 1048576" --junit conformance.xml
  (from a checkout, after npm run build: node dist/host/cli/main.js conformance ...)

Exit codes: 0 every check passed (or was skipped: an operation the plugin does not declare),
1 a check failed, 2 bad command line (a --junit FILE that cannot be written is found before the run).
`;

/** Where the command writes; the process's streams by default. */
export interface ConformanceCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

interface Parsed {
  target: ConformanceTarget;
  json: boolean;
  junit: string | undefined;
  timeoutMs: number;
  verbose: boolean;
}

class UsageError extends Error {}

/** Builds the `cghost conformance` command writing to `io` (tests pass buffers). */
export function createConformanceCommand(io: ConformanceCommandIo = process): Command {
  return {
    name: "conformance",
    summary: "check that a driver plugin keeps the contract (a csi-sanity for cghost drivers)",
    help: HELP,
    async run(argv: string[]): Promise<number> {
      let parsed: Parsed | "help";
      try {
        parsed = parse(argv);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.stderr.write(`cghost conformance: ${error.message}\nSee 'cghost conformance --help'.\n`);
        return 2;
      }
      if (parsed === "help") {
        io.stdout.write(HELP);
        return 0;
      }
      if (parsed.junit !== undefined) {
        // Found out before the run, not after a minute of checks.
        const problem = await junitPathProblem(parsed.junit);
        if (problem) {
          io.stderr.write(`cghost conformance: --junit ${parsed.junit}: ${problem}\nSee 'cghost conformance --help'.\n`);
          return 2;
        }
      }
      const report = await runConformance({ plugin: parsed.target, callDeadlineMs: parsed.timeoutMs });
      io.stdout.write(parsed.json ? formatJsonReport(report) : formatTextReport(report, { verbose: parsed.verbose }));
      if (parsed.junit !== undefined) {
        try {
          await writeFile(parsed.junit, formatJunitReport(report));
        } catch (error) {
          io.stderr.write(`cghost conformance: could not write the JUnit report to ${parsed.junit}: ${error instanceof Error ? error.message : String(error)}\n`);
          // A failed check still says so; the report above is complete either way.
          return report.ok ? 2 : 1;
        }
      }
      return report.ok ? 0 : 1;
    },
  };
}

/** Why the JUnit report could not be written to `path`, or undefined when it can be. */
async function junitPathProblem(path: string): Promise<string | undefined> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) return "is a directory; give a file name";
  const folder = dirname(resolve(path));
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) return `its folder ${folder} does not exist`;
  try {
    await access(existing ? path : folder, constants.W_OK);
  } catch {
    return existing ? "the file is not writable" : `its folder ${folder} is not writable`;
  }
  return undefined;
}

/** The `cghost conformance` command, writing to the process's standard output and error. */
export const conformanceCommand: Command = createConformanceCommand();

function parse(argv: string[]): Parsed | "help" {
  let values: {
    "plugin-command"?: string;
    "plugin-arg"?: string[];
    "plugin-address"?: string;
    json?: boolean;
    junit?: string;
    "timeout-ms"?: string;
    verbose?: boolean;
    help?: boolean;
    "plugin-insecure"?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "plugin-command": { type: "string" },
        "plugin-arg": { type: "string", multiple: true },
        "plugin-address": { type: "string" },
        json: { type: "boolean" },
        junit: { type: "string" },
        "timeout-ms": { type: "string" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        "plugin-insecure": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return "help";
  const command = values["plugin-command"];
  const address = values["plugin-address"];
  const extra = values["plugin-arg"] ?? [];
  if ((command === undefined) === (address === undefined)) {
    throw new UsageError("give exactly one of --plugin-command \"COMMAND\" (launch the plugin) and --plugin-address ADDR (a running sidecar)");
  }
  if (address !== undefined && extra.length > 0) throw new UsageError("--plugin-arg goes with --plugin-command, not with --plugin-address");
  if (address === undefined && values["plugin-insecure"] === true) throw new UsageError("--plugin-insecure goes with --plugin-address");
  let target: ConformanceTarget;
  if (command !== undefined) {
    let words: string[];
    try {
      words = splitShellWords(command);
    } catch (error) {
      if (error instanceof ShellWordsError) throw new UsageError(`--plugin-command: ${error.message}`);
      throw error;
    }
    if (words.length === 0) throw new UsageError("--plugin-command is empty; give the command that starts the plugin, e.g. \"node dist/examples/file-driver/main.js --data-dir /tmp/fd\"");
    target = { command: words[0]!, args: [...words.slice(1), ...extra] };
  } else {
    if (address === "") throw new UsageError("--plugin-address is empty; give unix:///abs/path.sock or host:port");
    target = { address: address!, ...(values["plugin-insecure"] === true ? { insecure: true } : {}) };
  }
  const rawTimeout = values["timeout-ms"];
  const timeoutMs = rawTimeout === undefined ? DEFAULT_CALL_DEADLINE_MS : Number(rawTimeout);
  if (rawTimeout !== undefined && (!/^\d+$/.test(rawTimeout) || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1)) {
    throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds, got ${JSON.stringify(rawTimeout)}`);
  }
  if (values.junit === "") throw new UsageError("--junit needs a file name, e.g. --junit conformance.xml");
  return { target, json: values.json === true, junit: values.junit, timeoutMs, verbose: values.verbose === true };
}
