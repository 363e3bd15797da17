// What one run measures, and how much: the full run, the quick run, and command-line overrides.
import type { LatencyPlan } from "./workload.js";
import { CYCLE_OPERATIONS, QUICK_OPERATIONS } from "./workload.js";
import type { ThroughputPlan } from "./throughput.js";
import type { DurabilityName } from "./results.js";

/** The sections a run can have. */
export const SECTIONS = ["latency", "throughput", "scale", "start"] as const;
export type Section = (typeof SECTIONS)[number];

/** Everything a run does. */
export interface RunPlan {
  quick: boolean;
  sections: ReadonlySet<Section>;
  repeats: number;
  latency: LatencyPlan & {
    durabilities: readonly DurabilityName[];
    /** Also the reference sides: a bare grpc-js server, and the baseline after a busy gap. */
    referenceSides: boolean;
  };
  throughput: ThroughputPlan;
  scale: { volumes: readonly number[]; answers: readonly ("none" | "entries")[] };
  /** How many plugin launches per plugin. */
  startRepeats: number;
  /** Where the JSON goes; undefined for bench/results/. */
  outPath?: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--repeats N] [--only latency,throughput,scale,start] [--scale-volumes 1000,10000,100000] [--out file.json]`;

/** Parses the command line into a plan; throws with the usage on anything unknown. */
export function parsePlan(argv: readonly string[]): RunPlan {
  let quick = false;
  let repeats: number | undefined;
  let only: Section[] | undefined;
  let outPath: string | undefined;
  let scaleVolumes: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return next;
    };
    if (arg === "--quick") quick = true;
    else if (arg === "--repeats") repeats = Number(value());
    else if (arg === "--only") only = value().split(",") as Section[];
    else if (arg === "--out") outPath = value();
    else if (arg === "--scale-volumes") scaleVolumes = value().split(",").map(Number);
    else if (arg === "--help" || arg === "-h") throw new Error(USAGE);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  if (scaleVolumes?.some((v) => !(Number.isInteger(v) && v >= 1))) throw new Error(`--scale-volumes takes whole numbers >= 1\n${USAGE}`);
  if (repeats !== undefined && !(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`--repeats must be a whole number >= 1\n${USAGE}`);
  for (const s of only ?? []) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${JSON.stringify(s)}\n${USAGE}`);
  const r = repeats ?? 3;
  const sections = new Set<Section>(only ?? (quick ? ["latency", "throughput"] : SECTIONS));
  return quick
    ? {
        quick,
        sections,
        repeats: r,
        latency: { warmup: 150, warmupMs: 2000, iterations: 600, blocks: 6, operations: QUICK_OPERATIONS, durabilities: ["normal"], referenceSides: false },
        throughput: { concurrencies: [64], repeats: r, durationMs: 1500, warmupMs: 400, sessionWarmupMs: 1000 },
        scale: { volumes: [], answers: [] },
        startRepeats: 0,
        ...(outPath ? { outPath } : {}),
      }
    : {
        quick,
        sections,
        repeats: r,
        latency: { warmup: 200, warmupMs: 3000, iterations: 1000, blocks: 10, operations: CYCLE_OPERATIONS, durabilities: ["normal", "full"], referenceSides: true },
        throughput: { concurrencies: [1, 16, 64, 256], repeats: r, durationMs: 3000, warmupMs: 500, sessionWarmupMs: 1500 },
        scale: { volumes: scaleVolumes ?? [1_000, 10_000, 100_000], answers: ["none", "entries"] },
        startRepeats: Math.max(5, r),
        ...(outPath ? { outPath } : {}),
      };
}
