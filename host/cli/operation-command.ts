// `cghost operation watch`: follows the operations a server runs, each as its outcome commits, one
// line apiece (with --json, one JSON object per line), until Ctrl-C, --count operations, or the
// server stopping.
import { status as GrpcStatus } from "@grpc/grpc-js";
import { clientCommand } from "./client-command.js";
import { commandGroup } from "./command-group.js";
import { CliUsageError } from "./command.js";
import { FrontCallError } from "./front-client.js";
import { operationEventJson } from "./json-view.js";
import { operationLine } from "./text-view.js";

/** --count's value: a whole number from 1, or undefined for no limit. */
function countOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1) {
    throw new CliUsageError(`--count ${JSON.stringify(text)} must be a whole number of operations from 1`, "operation watch");
  }
  return count;
}

const watch = clientCommand({
  path: "operation watch",
  summary: "follow operations as they end, one line each, until Ctrl-C",
  options: {
    group: { type: "string", synopsis: "--group GROUP", help: "only the operations filed under GROUP (a group that does not exist is refused)" },
    count: { type: "string", synopsis: "--count N", help: "stop after N operations, a whole number from 1 (default: no limit)" },
  },
  description:
    "Prints every operation that reaches the driver once its outcome is committed: when, which\n" +
    "operation, succeeded or failed and by which RULES.md row, how long it took, its group and\n" +
    "operation ids, and the statuses it wrote. Operations from the moment the watch starts only:\n" +
    "no history. A line on standard error says when the watch is in place.\n" +
    "With --json, one JSON object per line (operationId, operation, ok, ruleId, cause, groupId,\n" +
    "requestId, durationMs, at, written, warnings). Ctrl-C or --count ends it with exit code 0;\n" +
    "the server stopping ends it with exit code 3.",
  examples: ["cghost operation watch", "cghost operation watch --group 0190f3a2-7c1e-7b6a-9d7e-3f1c2a4b5d6e --json --count 1"],
  streams: true,
  async run(ctx) {
    const count = countOf(ctx.option("count"));
    const groupId = ctx.option("group") ?? "";
    const { client } = ctx;
    const what = groupId === "" ? "operations" : `the operations of group ${groupId}`;
    const events = client.stream(client.client.watchOperations, { groupId }, {
      signal: ctx.long.signal,
      onOpen: () => process.stderr.write(`Watching ${what} on ${client.target.address}; Ctrl-C to stop.\n`),
    });
    let seen = 0;
    for await (const { event } of events) {
      if (event === undefined) continue;
      seen += 1;
      process.stdout.write(ctx.json ? `${JSON.stringify(operationEventJson(event))}\n` : operationLine(event));
      // Leaving the loop cancels the stream.
      if (seen === count) return null;
    }
    if (ctx.long.signal?.aborted) return null;
    // A watch has no end of its own: the server ended it because it is stopping.
    throw new FrontCallError(
      { code: "SERVER_STOPPED", message: `the server at ${client.target.address} stopped, which ended the watch after ${seen} operation(s)`, grpcCode: GrpcStatus.OK },
      client.target,
      client.requestId,
    );
  },
});

/** The `cghost operation` command. */
export const operationCommand = commandGroup({
  name: "operation",
  summary: "follow the operations a server runs as they end",
  example: "cghost operation watch --json",
  subcommands: [watch],
});
