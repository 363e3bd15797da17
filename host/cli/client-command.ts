// The frame of every client command (`cghost volume create`, `cghost group show`, ...): the
// common options, --help with an example, the connection, Ctrl-C, and turning the outcome into
// output and an exit code, the same way for every command.
import { parseArgs } from "node:util";
import { resolveClientTarget } from "./client-target.js";
import { CliUsageError, type Command } from "./command.js";
import { EXIT } from "./exit-codes.js";
import { printFailure, printUsageError } from "./failure-output.js";
import { FrontCallError, FrontClient, type InvokeOptions } from "./front-client.js";
import type { Json } from "./json-view.js";

/** One option of a command, as node:util parseArgs takes it, with its help line. */
export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  /** e.g. `--name NAME`. */
  synopsis: string;
  help: string;
}

/** What a command prints: the --json object and the text for a person. */
export interface CommandOutput {
  json: { [key: string]: Json };
  text: string;
}

/** What a command's action gets. */
export interface ClientContext {
  client: FrontClient;
  /** A string option's value, or undefined. */
  option(name: string): string | undefined;
  /** A string option's value; a usage error naming the option when it is missing. */
  required(name: string): string;
  /** A repeatable string option's values, each split on commas. */
  list(name: string): string[];
  flag(name: string): boolean;
  /** The positional argument of this name (see ClientCommandSpec.positionals). */
  positional(name: string): string;
  /** Options for a call that may run long: Ctrl-C cancels it. */
  long: InvokeOptions;
  /** Options for a quick read: a deadline, so a hung server does not hang the command. */
  quick: InvokeOptions;
  /** True with --json. */
  json: boolean;
}

/** A client command's definition. */
export interface ClientCommandSpec {
  /** The words after `cghost`, e.g. `group create`. */
  path: string;
  summary: string;
  /** Positional arguments, all required, e.g. `["GROUP"]`. */
  positionals?: readonly string[];
  options?: Readonly<Record<string, OptionSpec>>;
  /** What the command does, a few lines. */
  description: string;
  /** One or more example command lines. */
  examples: readonly string[];
  /** The object this command works on when it is interrupted, for the hint, e.g. `cghost group list`. */
  interruptHint?: string;
  /**
   * The command prints as it goes, a line (with --json, a one-line JSON object) at a time, and
   * run resolves to null; an error after that is one line of JSON too.
   */
  streams?: boolean;
  run(ctx: ClientContext): Promise<CommandOutput | null>;
}

/** A show or list must answer within this many milliseconds. */
const QUICK_DEADLINE_MS = 30_000;

const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "data-dir": { type: "string", synopsis: "--data-dir DIR", help: "reach the server that serves DIR (reads DIR/serve.json, else DIR/cghost.sock); default .cghost" },
  address: { type: "string", synopsis: "--address ADDR", help: "reach the server at ADDR (unix:/path.sock or host:port); also CGHOST_ADDRESS" },
  json: { type: "boolean", synopsis: "--json", help: "print one JSON object (errors too: {\"error\": {\"code\", \"message\"}})" },
  help: { type: "boolean", synopsis: "-h, --help", help: "print this help" },
};

/** Builds a Command from its definition. */
export function clientCommand(spec: ClientCommandSpec): Command {
  const name = spec.path.split(" ").at(-1)!;
  const help = helpText(spec);
  return {
    name,
    summary: spec.summary,
    help,
    async run(argv) {
      const wantsJson = argv.includes("--json");
      let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
      try {
        parsed = parse(spec, argv);
      } catch (error) {
        const usage = error instanceof CliUsageError ? error : new CliUsageError(error instanceof Error ? error.message : String(error), spec.path);
        return printUsageError(usage, spec.path, wantsJson);
      }
      const { values, positionals } = parsed;
      if (values.help === true) {
        process.stdout.write(help);
        return EXIT.OK;
      }
      const json = values.json === true;
      let client: FrontClient;
      try {
        client = new FrontClient(resolveClientTarget({ address: stringValue(values.address), dataDir: stringValue(values["data-dir"]) }));
      } catch (error) {
        if (error instanceof CliUsageError) return printUsageError(error, spec.path, json);
        throw error;
      }
      const interrupt = new AbortController();
      const onSigint = (): void => interrupt.abort();
      process.once("SIGINT", onSigint);
      const names = spec.positionals ?? [];
      const ctx: ClientContext = {
        client,
        json,
        option: (n) => stringValue(values[n]),
        required: (n) => {
          const value = stringValue(values[n]);
          if (value === undefined) throw new CliUsageError(`${spec.options?.[n]?.synopsis ?? `--${n}`} is required`, spec.path);
          return value;
        },
        list: (n) => listValue(values[n]),
        flag: (n) => values[n] === true,
        positional: (n) => positionals[names.indexOf(n)]!,
        long: { signal: interrupt.signal, changes: true },
        quick: { signal: interrupt.signal, deadlineMs: QUICK_DEADLINE_MS },
      };
      try {
        const output = await spec.run(ctx);
        if (output !== null) process.stdout.write(json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
        return EXIT.OK;
      } catch (error) {
        if (error instanceof CliUsageError) return printUsageError(error, spec.path, json);
        if (error instanceof FrontCallError) return printFailure(error, {
            json,
            command: spec.path,
            interrupted: interrupt.signal.aborted,
            interruptHint: spec.interruptHint,
            subject: names.length > 0 ? positionals[0] : undefined,
            oneLine: spec.streams === true,
          });
        throw error;
      } finally {
        process.off("SIGINT", onSigint);
        client.close();
      }
    },
  };
}

function parse(spec: ClientCommandSpec, argv: string[]): { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] } {
  const all = { ...(spec.options ?? {}), ...COMMON_OPTIONS };
  const options = Object.fromEntries(
    Object.entries(all).map(([key, o]) => [key, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(key === "help" ? { short: "h" } : {}) }]),
  );
  // "--size-gb -1": a negative number is a value, not an option, so the value's own check names it.
  const args = joinNegativeValues(argv, all);
  let result: ReturnType<typeof parseArgs> & { tokens?: Array<{ kind: string; name?: string; value?: string }> };
  try {
    result = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    // parseArgs says "Unknown option '--nme'"; add where to look.
    throw new CliUsageError(error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, "") : String(error), spec.path);
  }
  if (result.values.help === true) return { values: result.values, positionals: result.positionals };
  const names = spec.positionals ?? [];
  if (result.positionals.length < names.length) {
    throw new CliUsageError(`missing ${names.slice(result.positionals.length).join(" ")}: usage is 'cghost ${spec.path} ${names.join(" ")}'`, spec.path);
  }
  if (result.positionals.length > names.length) {
    throw new CliUsageError(
      `unexpected argument ${JSON.stringify(result.positionals[names.length])}: 'cghost ${spec.path}' takes ${names.length === 0 ? "no arguments" : names.join(" ")}; options start with --`,
      spec.path,
    );
  }
  // A single-valued option given twice would silently keep the last one: a 2 GB volume meant as 1.
  const given = new Map<string, string[]>();
  for (const token of result.tokens ?? []) {
    if (token.kind !== "option" || token.name === undefined || all[token.name]?.type !== "string" || all[token.name]?.multiple) continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value ?? ""]);
  }
  for (const [name, values] of given) {
    if (values.length > 1) throw new CliUsageError(`--${name} is given ${values.length} times (${values.map((v) => JSON.stringify(v)).join(", ")}); give it once`, spec.path);
  }
  for (const [key, o] of Object.entries(all)) {
    const value = result.values[key];
    if (o.type === "string" && (value === "" || (Array.isArray(value) && value.includes("")))) {
      throw new CliUsageError(`--${key} needs a value, e.g. ${o.synopsis}`, spec.path);
    }
  }
  return { values: result.values, positionals: result.positionals };
}

/** `--opt -1` as `--opt=-1` for a string option, so that parseArgs takes the negative number as its value. */
function joinNegativeValues(argv: readonly string[], all: Readonly<Record<string, { type: string }>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith("--") && !arg.includes("=") && all[arg.slice(2)]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function helpText(spec: ClientCommandSpec): string {
  const own = Object.values(spec.options ?? {});
  const common = Object.values(COMMON_OPTIONS).map((o) =>
    spec.streams && o.synopsis === "--json" ? { ...o, help: "print one JSON object per line (an error last, as {\"error\": {\"code\", \"message\"}})" } : o,
  );
  const all = [...own, ...common];
  const width = Math.max(...all.map((o) => o.synopsis.length));
  const synopsis = [
    `cghost ${spec.path}`,
    ...(spec.positionals ?? []),
    ...own.map((o) => (o.synopsis.startsWith("--") && o.help.startsWith("(required)") ? o.synopsis : `[${o.synopsis}]`)),
    "[--json]",
  ].join(" ");
  return [
    `Usage: ${synopsis}`,
    "",
    spec.description,
    "",
    "Options:",
    ...all.map((o) => `  ${o.synopsis.padEnd(width)}  ${o.help}`),
    "",
    "Exit codes: 0 done, 2 bad input, 3 refused or server unreachable (nothing written), 4 the driver failed it,",
    "5 the outcome is not known yet (the server went away mid-operation, or cannot record it yet), 1 a bug.",
    "",
    spec.examples.length === 1 ? "Example:" : "Examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
  ].join("\n");
}

function stringValue(value: string | boolean | Array<string | boolean> | undefined): string | undefined {
  if (Array.isArray(value)) return typeof value.at(-1) === "string" ? (value.at(-1) as string) : undefined;
  return typeof value === "string" ? value : undefined;
}

function listValue(value: string | boolean | Array<string | boolean> | undefined): string[] {
  const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return raw
    .filter((v): v is string => typeof v === "string")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}
