// One scale case in a process of its own, so its peak RSS is the host's for that case alone:
//   node dist/bench/scale-child.js '{"storePath":…,"groupId":…,"operation":…,"answer":…}'
// Opens the host on the prepared store with the bench plugin as its child, runs the one
// operation, and prints one JSON line: { ms, maxRssKiB }.
import { openHost } from "../host/index.js";
import type { AnswerMode } from "./answers.js";
import { BENCH_DRIVER } from "./session.js";

/** The scale operations a child can run. */
export type ScaleOperation = "open_only" | "create_cgsnapshot" | "delete_cgsnapshot" | "delete_group";

/** What the parent passes to a child. */
export interface ScaleChildInput {
  storePath: string;
  groupId: string;
  operation: ScaleOperation;
  answer: AnswerMode;
}

/** What a child prints. */
export interface ScaleChildOutput {
  ms: number;
  maxRssKiB: number;
}

async function main(input: ScaleChildInput): Promise<ScaleChildOutput> {
  const host = await openHost({
    storePath: input.storePath,
    durability: "normal",
    plugin: { command: process.execPath, args: [BENCH_DRIVER], env: { BENCH_ANSWER: input.answer } },
  });
  try {
    const started = performance.now();
    if (input.operation === "create_cgsnapshot") {
      await host.createCgSnapshot(input.groupId, { name: "scale" });
    } else if (input.operation === "delete_cgsnapshot") {
      const [cgsnapshot] = host.listCgSnapshots({ groupId: input.groupId });
      if (!cgsnapshot) throw new Error(`group ${input.groupId} has no cgsnapshot to delete`);
      await host.deleteCgSnapshot(cgsnapshot.id);
    } else if (input.operation === "delete_group") {
      await host.deleteGroup(input.groupId, { deleteVolumes: true });
    }
    const ms = performance.now() - started;
    return { ms, maxRssKiB: process.resourceUsage().maxRSS };
  } finally {
    await host.close();
  }
}

const output = await main(JSON.parse(process.argv[2] ?? "{}") as ScaleChildInput);
process.stdout.write(`${JSON.stringify(output)}\n`);
