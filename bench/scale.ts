// Scale: create-cgsnapshot, delete-cgsnapshot and delete of one group of 1,000 to 100,000
// volumes, each case in a fresh host process whose peak RSS is read when the case ends.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import { openSqliteStore } from "../host/index.js";
import type { AnswerMode } from "./answers.js";
import type { ScaleRow } from "./results.js";
import type { ScaleChildInput, ScaleChildOutput, ScaleOperation } from "./scale-child.js";
import { summarize } from "./stats.js";
import { withTempDir } from "./temp-dir.js";

const SCALE_CHILD = join(import.meta.dirname, "scale-child.js");
const CHILD_TIMEOUT_MS = 180_000;
const run = promisify(execFile);

/** The operations each case runs, in this order, each in its own host process. */
const OPERATIONS: readonly ScaleOperation[] = ["create_cgsnapshot", "delete_cgsnapshot", "delete_group"];

/** Writes one available group holding `volumes` available volumes straight into a new store. */
export function prepareStore(storePath: string, volumes: number): string {
  const store = openSqliteStore({ path: storePath, durability: "normal" });
  const groupId = randomUUID();
  try {
    store.transaction(() => {
      store.insertGroup({
        id: groupId,
        name: "scale",
        description: "",
        projectId: "default",
        volumeTypes: ["gold"],
        status: "available",
        sourceCgsnapshotId: null,
        sourceGroupId: null,
      });
      for (let i = 0; i < volumes; i++) {
        store.insertVolume({
          id: randomUUID(),
          name: "",
          sizeGb: 1,
          volumeType: "gold",
          projectId: "default",
          status: "available",
          groupId,
          sourceId: null,
        });
      }
    });
  } finally {
    store.close();
  }
  return groupId;
}

async function runChild(input: ScaleChildInput): Promise<ScaleChildOutput> {
  const { stdout } = await run(process.execPath, [SCALE_CHILD, JSON.stringify(input)], {
    timeout: CHILD_TIMEOUT_MS,
    killSignal: "SIGKILL",
    maxBuffer: 1024 * 1024,
  });
  const last = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as ScaleChildOutput;
}

/** Every volume count x answer mode x operation, `repeats` times, each repeat on a fresh store. */
export async function runScale(options: {
  volumes: readonly number[];
  answers: readonly AnswerMode[];
  repeats: number;
  progress: (message: string) => void;
}): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const idle: ScaleChildOutput[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    await withTempDir("scale-idle", async (dir) => {
      const storePath = join(dir, "cghost.db");
      idle.push(await runChild({ storePath, groupId: prepareStore(storePath, 0), operation: "open_only", answer: "none" }));
    });
  }
  rows.push(toRow(0, "open_only", "none", idle));
  for (const volumes of options.volumes) {
    for (const answer of options.answers) {
      const outputs = new Map<ScaleOperation, ScaleChildOutput[]>(OPERATIONS.map((op) => [op, []]));
      for (let repeat = 0; repeat < options.repeats; repeat++) {
        options.progress(`scale ${volumes} volumes, answer ${answer}, repeat ${repeat + 1}/${options.repeats}`);
        await withTempDir("scale", async (dir) => {
          const storePath = join(dir, "cghost.db");
          const groupId = prepareStore(storePath, volumes);
          for (const operation of OPERATIONS) outputs.get(operation)!.push(await runChild({ storePath, groupId, operation, answer }));
        });
      }
      for (const operation of OPERATIONS) rows.push(toRow(volumes, operation, answer, outputs.get(operation)!));
    }
  }
  return rows;
}

function toRow(volumes: number, operation: string, answer: string, outputs: readonly ScaleChildOutput[]): ScaleRow {
  return {
    volumes,
    operation,
    answer,
    ms: summarize(outputs.map((o) => o.ms)),
    peakRssMiB: summarize(outputs.map((o) => o.maxRssKiB / 1024)),
  };
}
