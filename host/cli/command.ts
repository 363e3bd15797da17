// The shape every `cghost` command has, and the usage error that maps to exit code 2.

/** One command or sub-command: its name, a one-line summary for the index, full help, and its action. */
export interface Command {
  name: string;
  summary: string;
  /** The whole --help text: usage, what it does, options, and an example. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Bad command-line input: printed with a pointer to --help, exit code 2. */
export class CliUsageError extends Error {
  readonly code = "USAGE";
  /** The command whose --help to point at, e.g. `group create`. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "CliUsageError";
    this.command = command;
  }
}
