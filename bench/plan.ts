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
    /**
     * Also the reference sides: a bare grpc-js server, the baseline sent as the host sends, the
     * baseline after a busy gap, the write-ahead floor.
     */
    referenceSides: boolean;
  };
  throughput: ThroughputPlan;
  scale: { volumes: readonly number[]; answers: readonly ("none" | "entries")[] };
  /** How many plugin launches per plugin. */
  startRepeats: number;
  /** Where the JSON goes; undefined for bench/results/. */
  outPath?: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--repeats N] [--only latency,throughput,scale,start] [--scale-volumes 1000,10000,100000] [--out file.json]
(npm run bench -- --help says what each does)`;

/** The --help text. */
export const HELP = `usage: npm run bench -- [--quick] [--repeats N] [--only SECTIONS] [--scale-volumes N,N,...] [--out FILE]

Measures the host against a bare grpc-js round trip to the same plugin process, on this machine,
in one run (bench/README.md gives the method and the last results). Prints the tables, writes
every figure to bench/results/<time>.json, and ends with the line
  latency ratio p50 X.XX, throughput ratio Y.YY
(host over baseline). Progress lines go to standard error.

Sections (all four by default; about 9 minutes on 2 cores):
  latency      the six operations one call at a time, p50 and p99, durability normal and full,
               with the baseline back to back, sent as the host sends (x-request-id and
               deadline), after 300 us busy, to a bare grpc-js server, and the write-ahead
               floor (the baseline's call between two minimal commits); the host and the floor
               split at the driver call (before it, the call, after it)
  throughput   create+delete on distinct groups at 1, 16, 64 and 256 concurrent callers
  scale        create-cgsnapshot, delete-cgsnapshot and delete-group of one group of 1,000,
               10,000 and 100,000 volumes, each in its own host process: time and peak RSS
  start        launch to handshake and to first call answered: the example driver bundled (as
               cghost serve launches it) and as tsc leaves it, and the bench driver

Options:
  --quick               baseline, one-at-a-time create and delete, throughput at 64 callers:
                        under 60 s
  --repeats N           repeat each figure N times (default 3); tables give median [min-max]
  --only SECTIONS       comma-separated: latency,throughput,scale,start
  --scale-volumes LIST  group sizes for scale (default 1000,10000,100000)
  --out FILE            write the JSON there instead of bench/results/
  -h, --help            print this text

Examples:
  npm run bench -- --quick
  npm run bench -- --only scale --scale-volumes 1000,100000 --repeats 1
  npm run bench -- --only start --repeats 7
`;

/** Parses the command line into a plan, or "help" for --help; throws with the usage on anything unknown. */
export function parsePlan(argv: readonly string[]): RunPlan | "help" {
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
    else if (arg === "--help" || arg === "-h") return "help";
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
