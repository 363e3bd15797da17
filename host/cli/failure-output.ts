// How a failed command reports itself: the host's code and message (which name the bad value and
// why), then what to do about it; for --json, one {"error": {...}} object on standard output.
import type { ClientOnlyCode } from "../front/error-status.js";
import type { HostErrorCode } from "../manager/errors.js";
import type { CliUsageError } from "./command.js";
import { EXIT, exitCodeOf } from "./exit-codes.js";
import type { ClientTarget } from "./client-target.js";
import { dataDirLayout } from "./data-dir.js";
import { startingServer } from "./serve-state-file.js";
import type { FrontCallError } from "./front-client.js";
import type { Json } from "./json-view.js";
import { table } from "./text-view.js";

/** How the failure is to be printed. */
export interface FailureContext {
  json: boolean;
  /** The command, e.g. `group update`. */
  command: string;
  /** True when Ctrl-C cancelled the call. */
  interrupted: boolean;
  /** Where to look after an interruption, e.g. `cghost group show GROUP`. */
  interruptHint: string | undefined;
  /** The id the command was given (its first argument), to put in the hints. */
  subject: string | undefined;
  /** The --json error on one line: the command printed one JSON object per line before it. */
  oneLine?: boolean;
}

/** Prints a failed call and returns its exit code. */
export function printFailure(error: FrontCallError, context: FailureContext): number {
  const { report, target, requestId } = error;
  if (context.interrupted) {
    const look = (context.interruptHint ?? "cghost group list").replace(/\b(GROUP|CGSNAPSHOT|VOLUME)\b/, context.subject ?? "$1");
    const hint = `interrupted: the server goes on with the operation; see where it got with '${look}'`;
    emit(context, { code: "INTERRUPTED", message: hint, requestId }, `cghost: ${hint}\n`);
    return EXIT.INTERRUPTED;
  }
  // A failed create has no id on the command line; the failure names the row it wrote.
  const noun = context.command.split(" ")[0]!;
  const written = report.failure?.written.find((w) => w.kind === noun)?.id;
  // The command's first argument; `cgsnapshot create` takes a group's id, create-from-source none.
  const show = written !== undefined ? showCommand(noun, written) : showCommand(SUBJECT_KIND[context.command] ?? noun, context.subject);
  const hint = hintFor(report.code, context.command, show, target, requestId, report.message);
  const failure = report.failure;
  const message = report.code === "SERVER_UNAVAILABLE" ? unreachableMessage(report.message, target.address) : report.message;
  const json: { [key: string]: Json } = {
    code: report.code,
    message,
    grpcCode: report.grpcCode,
    requestId,
    hint,
    ...(failure
      ? {
          failure: {
            operation: failure.operation,
            operationId: failure.operationId,
            ruleId: failure.ruleId,
            cause: failure.cause,
            grpcCode: failure.grpcCode ?? null,
            written: failure.written.map((w) => ({ kind: w.kind, id: w.id, status: w.status })),
          },
        }
      : {}),
  };
  let text = `cghost: ${report.code}: ${message}\n`;
  if (failure) {
    text += `\nThe driver failed ${failure.operation} (rule ${failure.ruleId}, cause ${failure.cause}); the host wrote:\n`;
    text += indent(table(["KIND", "ID", "STATUS"], failure.written.map((w) => [w.kind, w.id, w.status]), "nothing"));
  }
  text += `\nWhat to do: ${hint}\n`;
  emit(context, json, text);
  return exitCodeOf(report.code);
}

/** Prints a usage error (exit code 2) with where to find the command's help. */
export function printUsageError(error: CliUsageError, command: string, json: boolean): number {
  const hint = `see 'cghost ${error.command ?? command} --help' for the options and an example`;
  emit({ json }, { code: "USAGE", message: error.message, hint }, `cghost ${error.command ?? command}: ${error.message}\n${hint[0]!.toUpperCase()}${hint.slice(1)}.\n`);
  return EXIT.BAD_INPUT;
}

function emit(how: { json: boolean; oneLine?: boolean }, error: { [key: string]: Json }, text: string): void {
  // --json output, errors included, goes to standard output so a script reads one place.
  if (how.json) process.stdout.write(`${JSON.stringify({ error }, null, how.oneLine ? undefined : 2)}\n`);
  else process.stderr.write(text);
}

/** The kind of object a command's first argument names, where it is not the command's own noun. */
const SUBJECT_KIND: Readonly<Record<string, string>> = { "cgsnapshot create": "group" };

/** `cghost KIND show ID`, or `cghost KIND list` when there is no id to show. */
function showCommand(kind: string, id: string | undefined): string {
  return id === undefined ? `cghost ${kind} list` : `cghost ${kind} show ${id}`;
}

function hintFor(code: HostErrorCode | ClientOnlyCode, command: string, show: string, target: ClientTarget, requestId: string, message: string): string {
  const noun = command.split(" ")[0]!;
  // "volume X does not exist" from a group command points at the volume list, not the group list.
  const missing = /^(volume|group|cgsnapshot|plugin) \S+ does not exist/.exec(message)?.[1] ?? noun;
  const { address, foundBy, dataDir, restart } = target;
  switch (code) {
    case "INVALID_ARGUMENT":
      return `fix the value named above; 'cghost ${command} --help' lists what each option accepts.`;
    case "NOT_FOUND":
      return `check the ${missing === "plugin" ? "name" : "id"}; 'cghost ${missing} list' shows the ones that exist.`;
    case "INVALID_STATUS":
      return `nothing was written: first change what the message names (a status, a cgsnapshot left, an attached volume); '${show}' shows the current status and last error.`;
    case "CONFLICT":
      return "another call changed the object first; show it again, then retry if it still makes sense.";
    case "UNSUPPORTED_OPERATION":
      return "this server's plugin does not do that; 'cghost plugin list' shows what it does. Nothing was written.";
    case "PLUGIN_UNAVAILABLE":
      return "the plugin is not ready, and nothing was written; check 'cghost plugin list' and the server's log, then retry (a 'failed' plugin needs 'cghost plugin reset NAME' first).";
    case "HOST_CLOSED":
      return "the server is stopping; nothing was written. Retry once it runs again.";
    case "STORE_UNAVAILABLE":
      return "nothing was written: the server's database refused the call (the message says why: a full disk, an I/O error, a lock). Fix that, then retry; the server's log has the details.";
    case "OUTCOME_PENDING":
      return `do not retry: the driver did it, and the server records its outcome as soon as its database takes writes again (it keeps trying, and a restart settles it too). Free the disk or fix what the message names; '${show}' shows the statuses once they land.`;
    case "SERVER_UNAVAILABLE": {
      const starting = dataDir === undefined ? undefined : startingServer(dataDirLayout(dataDir).startingFilePath);
      if (starting !== undefined) {
        return `a cghost serve (pid ${starting.pid}) is starting in ${dataDir}, ${starting.doing}; nothing was written. Retry once it serves (its log shows the progress).`;
      }
      return (
        `no cghost serve answered at ${address} (found by ${foundBy}). ` +
        (restart ? `Start one with '${restart}', or ` : "Check that the server runs, or ") +
        "point --data-dir or CGHOST_ADDRESS at the running one."
      );
    }
    case "RESOURCE_EXHAUSTED":
      return "ask for less: a --group filter or a narrower listing; a watch cut off for falling behind can be started again, filtered or read faster.";
    case "SERVER_STOPPED":
      return `${restart ? `start the server again ('${restart}'), then ` : "once the server runs again, "}run 'cghost ${command}' again.`;
    case "DEADLINE_EXCEEDED":
      return `the server did not answer in time; check its log for request id ${requestId}.`;
    case "CANCELLED":
      return "the call was cancelled before it finished; show the object to see where it got.";
    case "OUTCOME_UNKNOWN":
      return (
        `'${show}' shows where it got; if the server died, ` +
        (restart ? `start it again ('${restart}'): ` : "start it again: ") +
        "it finishes interrupted operations before it serves. Retry only what ended in error" +
        // A create has no id to show yet, and names need not be unique: running it again makes a second one.
        (show.endsWith(" list") ? `; a create may have made the object already, so look for it by name in that list before running the command again.` : ".")
      );
    case "OPERATION_FAILED":
      return `see each row's last error with '${show}' and the plugin's log lines for request id ${requestId}; fix the cause, then retry, or delete what ended in 'error' (a volume left in no group: 'cghost volume unregister').`;
    case "INTERNAL":
      return `this is a bug in cghost; please report it with the server's log lines for request id ${requestId}.`;
  }
}

/** grpc-js says "No connection established. Last error: Error: connect ENOENT /x. Resolution note: "; say it plainly. */
function unreachableMessage(details: string, address: string): string {
  const errno = /connect (E[A-Z]+)/.exec(details)?.[1];
  const why =
    errno === "ENOENT" ? "no such socket" : errno === "ECONNREFUSED" ? "connection refused: the server is not running" : errno === "EACCES" ? "permission denied" : details.trim();
  return `cannot reach cghost serve at ${address} (${why})`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}
