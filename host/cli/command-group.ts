// A command made of sub-commands (`cghost group create|list|...`): it finds the sub-command and
// prints an index of them for --help.
import { CliUsageError, type Command } from "./command.js";

/** A command whose first argument names one of `subcommands`. */
export function commandGroup(options: { name: string; summary: string; example: string; subcommands: readonly Command[] }): Command {
  const { name, subcommands } = options;
  const width = Math.max(...subcommands.map((c) => c.name.length));
  const help = [
    `Usage: cghost ${name} <${subcommands.map((c) => c.name).join("|")}> [options]`,
    "",
    `${options.summary[0]!.toUpperCase()}${options.summary.slice(1)}.`,
    "",
    "Commands:",
    ...subcommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Example:",
    `  ${options.example}`,
    "",
    `Run 'cghost ${name} <command> --help' for a command's options and an example.`,
    "",
  ].join("\n");
  return {
    name,
    summary: options.summary,
    help,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
        process.stdout.write(help);
        return sub === undefined ? 2 : 0;
      }
      const command = subcommands.find((c) => c.name === sub);
      if (!command) {
        throw new CliUsageError(`'${sub}' is not a ${name} command; use one of ${subcommands.map((c) => c.name).join(", ")}`, name);
      }
      return command.run(rest);
    },
  };
}
