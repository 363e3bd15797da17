// `npm run bench [-- --quick]`: measures the host against the bare gRPC round trip, prints the
// tables, writes the JSON to bench/results/, and ends with the headline ratios line.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { runLatency } from "./host-latency.js";
import { HELP, parsePlan, type RunPlan } from "./plan.js";
import { runPluginStart } from "./plugin-start.js";
import type { BenchResults } from "./results.js";
import { runScale } from "./scale.js";
import { headlineLine, renderResults } from "./table.js";
import { runThroughput } from "./throughput.js";

const RESULTS_DIR = join(import.meta.dirname, "..", "..", "bench", "results");

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function run(plan: RunPlan): Promise<BenchResults> {
  const grpcJs = (createRequire(import.meta.url)("@grpc/grpc-js/package.json") as { version: string }).version;
  const results: BenchResults = {
    meta: {
      startedAt: new Date().toISOString(),
      finishedAt: "",
      quick: plan.quick,
      repeats: plan.repeats,
      node: process.version,
      grpcJs,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      loadavgStart: loadavg(),
      loadavgEnd: [],
      baselineServer: "the plugin process the host calls (bench/bench-driver.ts, plugin SDK), own grpc-js channel",
    },
    latency: [],
    throughput: [],
    baselineBestThroughput: null,
    scale: [],
    pluginStart: [],
    headline: { latencyRatioP50: Number.NaN, throughputRatio: Number.NaN },
  };
  if (plan.sections.has("latency")) {
    for (const durability of plan.latency.durabilities) {
      progress(`latency, durability ${durability}: ${plan.repeats} x ${plan.latency.iterations} cycles`);
      results.latency.push(...(await runLatency({ durability, repeats: plan.repeats, plan: plan.latency, referenceSides: plan.latency.referenceSides })));
    }
  }
  if (plan.sections.has("throughput")) {
    progress(`throughput at ${plan.throughput.concurrencies.join(", ")} callers: ${plan.repeats} x ${plan.throughput.durationMs} ms each`);
    const { rows, baselineBest, hostBest } = await runThroughput(plan.throughput);
    results.throughput = rows;
    results.baselineBestThroughput = baselineBest;
    results.headline.throughputRatio = hostBest / baselineBest;
  }
  if (plan.sections.has("scale") && plan.scale.volumes.length > 0) {
    progress(`scale: ${plan.scale.volumes.join(", ")} volumes, answers ${plan.scale.answers.join(", ")}`);
    results.scale = await runScale({ ...plan.scale, repeats: plan.repeats, progress });
  }
  if (plan.sections.has("start") && plan.startRepeats > 0) {
    progress(`plugin start: ${plan.startRepeats} launches per plugin`);
    results.pluginStart = await runPluginStart({ repeats: plan.startRepeats });
  }
  const normal = results.latency.filter((r) => r.durability === "normal");
  if (normal.length > 0) results.headline.latencyRatioP50 = Math.max(...normal.map((r) => r.ratioP50.median));
  results.meta.finishedAt = new Date().toISOString();
  results.meta.loadavgEnd = loadavg();
  return results;
}

async function main(): Promise<void> {
  let plan: RunPlan | "help";
  try {
    plan = parsePlan(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  if (plan === "help") {
    process.stdout.write(HELP);
    return;
  }
  const results = await run(plan);
  const outPath = plan.outPath ?? join(RESULTS_DIR, `${results.meta.startedAt.replace(/[:.]/g, "-")}${plan.quick ? "-quick" : ""}.json`);
  mkdirSync(join(outPath, ".."), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderResults(results));
  console.log("");
  console.log(`results: ${outPath}`);
  console.log(headlineLine(results));
}

await main();
