// `cghost operation list|show|watch`: the host's journal of operations (newest first, one, or
// followed live as each outcome commits, one line apiece, until Ctrl-C, --count operations, or
// the server stopping).
import { status as GrpcStatus } from "@grpc/grpc-js";
import { clientCommand } from "./client-command.js";
import { commandGroup } from "./command-group.js";
import { CliUsageError } from "./command.js";
import { answered, FrontCallError } from "./front-client.js";
import { operationEventJson, operationJson } from "./json-view.js";
import { listUpTo } from "./list-pages.js";
import { operationLine, operationsTable, operationText } from "./text-view.js";

/** A --count or --limit value: a whole number from 1, or undefined when not given. */
function wholeNumberOf(option: string, text: string | undefined, command: string): number | undefined {
  if (text === undefined) return undefined;
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count) || count < 1) {
    throw new CliUsageError(`--${option} ${JSON.stringify(text)} must be a whole number of operations from 1`, command);
  }
  return count;
}

/** How many operations `operation list` shows when not told. */
const DEFAULT_LIST_LIMIT = 50;

const list = clientCommand({
  path: "operation list",
  summary: "list the journal's operations, newest first",
  options: {
    open: { type: "boolean", synopsis: "--open", help: "only operations not done: running, recording, or left unfinished by a stopped server" },
    group: { type: "string", synopsis: "--group GROUP", help: "only the operations filed under GROUP" },
    limit: { type: "string", synopsis: "--limit N", help: `at most N operations, the newest (default ${DEFAULT_LIST_LIMIT})` },
  },
  description:
    "Lists the host's journal of operations, newest first: each operation from the moment its\n" +
    "transitional statuses were written, with its state (running, recording: the database refused\n" +
    "its outcome and the server keeps trying, unfinished: a server stopped before it ended, done)\n" +
    "and, once done, the RULES.md row that decided it. Done operations are kept for the journal's\n" +
    "retention (store.journalRetentionDays, 7 by default).",
  examples: ["cghost operation list --open", "cghost operation list --group 0190f3a2-7c1e-7b6a-9d7e-3f1c2a4b5d6e --limit 5 --json"],
  async run(ctx) {
    const limit = wholeNumberOf("limit", ctx.option("limit"), "operation list") ?? DEFAULT_LIST_LIMIT;
    const groupId = ctx.option("group") ?? "";
    const operations = await listUpTo(limit, async (pageToken, pageSize) => {
      const page = await ctx.client.invoke(ctx.client.client.listOperations, { groupId, openOnly: ctx.flag("open"), pageSize, pageToken }, ctx.quick);
      return { items: page.operations, nextPageToken: page.nextPageToken };
    });
    return { json: { operations: operations.map((o) => operationJson(o)) }, text: operationsTable(operations) };
  },
});

const show = clientCommand({
  path: "operation show",
  summary: "show one operation: state, result, times, and the rows it names",
  positionals: ["OPERATION"],
  description:
    "Shows one operation of the journal by its id (as 'cghost operation list', 'cghost operation\n" +
    "watch' or a failed command gave it): its state, the rule that decided it, when it started and\n" +
    "ended, and every row it wrote a transitional status to.",
  examples: ["cghost operation show 0190f3a2-7c1e-7b6a-9d7e-3f1c2a4b5d6e"],
  async run(ctx) {
    const { operation, rows } = await ctx.client.invoke(ctx.client.client.getOperation, { operationId: ctx.positional("OPERATION") }, ctx.quick);
    const o = answered(operation);
    const r = answered(rows);
    return { json: operationJson(o, r), text: operationText(o, r) };
  },
});

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
    const count = wholeNumberOf("count", ctx.option("count"), "operation watch");
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
  summary: "list the operations a server ran or runs, show one, or follow them as they end",
  example: "cghost operation list --open",
  subcommands: [list, show, watch],
});
