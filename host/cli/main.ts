#!/usr/bin/env node
// The `cghost` command: finds the command, runs it, and turns what it throws into an exit code.
import { readFileSync } from "node:fs";
import { PluginLaunchError } from "../plugin/errors.js";
import { HOST_CONTRACT_VERSIONS } from "../plugin/handshake.js";
import { cgsnapshotCommand } from "./cgsnapshot-command.js";
import { CliUsageError, type Command } from "./command.js";
import { conformanceCommand } from "./conformance-command.js";
import { EXIT } from "./exit-codes.js";
import { groupCommand } from "./group-command.js";
import { operationCommand } from "./operation-command.js";
import { pluginCommand } from "./plugin-command.js";
import { ConfigError } from "./serve-config.js";
import { serveCommand } from "./serve-command.js";
import { ListenError } from "../front/front-server.js";
import { AlreadyServingError, DataDirError } from "./serve-process.js";
import { volumeCommand } from "./volume-command.js";

const COMMANDS: readonly Command[] = [serveCommand, volumeCommand, groupCommand, cgsnapshotCommand, operationCommand, pluginCommand, conformanceCommand];

function index(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: cghost <command> [options]",
    "",
    "cghost hosts consistency-group volume drivers out of process. 'cghost serve' runs the host;",
    "'cghost conformance' checks a driver plugin on its own; the other commands talk to a running",
    "server (found through --data-dir DIR, default .cghost, or CGHOST_ADDRESS).",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Example:",
    "  cghost serve &",
    "  cghost group create --name db-1 --volume-type standard",
    "",
    "Exit codes: 0 done, 2 bad input, 3 refused or server unreachable (nothing written), 4 the driver",
    "failed it, 5 the outcome is not known yet (the server went away mid-operation, or cannot record",
    "it yet), 1 a bug (cghost conformance: 1 a check failed).",
    "Run 'cghost <command> --help' for a command's options and an example; 'cghost --version' for the version.",
    "",
  ].join("\n");
}

/** `cghost --version`: this package's version, and the contracts it speaks. */
function version(): string {
  // dist/host/cli/main.js, three folders below the package's root.
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return `cghost ${pkg.version} (driver contract cgdriver.${HOST_CONTRACT_VERSIONS.join(", cgdriver.")}; front API cghost.v1; Node ${process.version})\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(index());
    return name === undefined ? EXIT.BAD_INPUT : EXIT.OK;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(version());
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new CliUsageError(`'${name}' is not a cghost command; use one of ${COMMANDS.map((c) => c.name).join(", ")}`);
  return command.run(rest);
}

/** The exit code and the line to print for what a command threw. */
function failure(error: unknown): { code: number; message: string } {
  if (error instanceof CliUsageError) {
    const help = error.command ? `cghost ${error.command} --help` : "cghost --help";
    return { code: EXIT.BAD_INPUT, message: `${error.message}\nSee '${help}'.` };
  }
  if (error instanceof ConfigError) return { code: EXIT.BAD_INPUT, message: error.message };
  if (error instanceof AlreadyServingError) return { code: EXIT.REFUSED, message: error.message };
  // Where to listen, and where the data directory is: settings the operator changes.
  if (error instanceof ListenError || error instanceof DataDirError) return { code: EXIT.BAD_INPUT, message: error.message };
  if (error instanceof PluginLaunchError) {
    // Options the plugin layer refused are the configuration's fault, not the plugin's.
    const badConfig = error.code === "PLUGIN_OPTIONS_INVALID" || error.code === "PLUGIN_ADDRESS_INVALID" || error.code === "PLUGIN_TLS_FILES_INVALID";
    return {
      code: badConfig ? EXIT.BAD_INPUT : EXIT.DRIVER_FAILED,
      message: `${badConfig ? "the plugin settings cannot be used" : "the plugin could not be started"}: ${error.message}`,
    };
  }
  return { code: EXIT.INTERNAL, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

// `cghost operation watch | head -3`, `cghost group list | head`: when whoever reads the output
// stops, stop too, quietly, as other command-line tools do, instead of dying on the write.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(EXIT.OK);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { code, message } = failure(error);
    process.stderr.write(`cghost: ${message}\n`);
    process.exitCode = code;
  },
);
