// Renders benchmark results as plain-text tables for the terminal and for bench/README.md.
import type { BenchResults } from "./results.js";
import type { Summary } from "./stats.js";
import { GAP_BUSY_US } from "./workload.js";

/** Formats a summary as `median [min-max]` with `digits` decimals. */
export function cell(s: Summary, digits = 0): string {
  if (!Number.isFinite(s.median)) return "-";
  return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]`;
}

/** Lays rows out under a header as a Markdown table with padded columns. */
export function renderTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** Every section of a run's results as text, each table under a title. */
export function renderResults(results: BenchResults): string {
  const out: string[] = [];
  const m = results.meta;
  out.push(
    `cghost bench (${m.quick ? "quick" : "full"}), ${m.repeats} repeats; node ${m.node}, grpc-js ${m.grpcJs}, ` +
      `${m.cpus} x ${m.cpuModel}; load ${m.loadavgStart.map((l) => l.toFixed(2)).join(" ")} -> ${m.loadavgEnd.map((l) => l.toFixed(2)).join(" ")}`,
  );
  out.push(`figures: median [min-max] over repeats; baseline server: ${m.baselineServer}`);
  if (results.latency.length > 0) {
    out.push("", "## One at a time: latency (µs) and ratio host / baseline");
    out.push(
      renderTable(
        ["durability", "operation", "baseline p50", "host p50", "ratio p50", "baseline p99", "host p99", "ratio p99"],
        results.latency.map((r) => [
          r.durability,
          r.operation,
          cell(r.baselineP50),
          cell(r.hostP50),
          cell(r.ratioP50, 2),
          cell(r.baselineP99),
          cell(r.hostP99),
          cell(r.ratioP99, 2),
        ]),
      ),
    );
  }
  // The reference sides run in full runs only.
  const referenceRows = results.latency.filter((r) => Number.isFinite(r.floorP50.median));
  if (referenceRows.length > 0) {
    out.push("", "## One at a time: from the bare round trip to the host, step by step (p50, µs)");
    out.push(
      renderTable(
        ["durability", "operation", "bare server", "baseline", "as the host sends", `${GAP_BUSY_US} µs busy before`, "write-ahead floor", "floor / baseline", "host"],
        referenceRows.map((r) => [
          r.durability,
          r.operation,
          cell(r.bareServerP50),
          cell(r.baselineP50),
          cell(r.asHostSendsP50),
          cell(r.baselineAfterBusyP50),
          cell(r.floorP50),
          cell(r.floorRatioP50, 2),
          cell(r.hostP50),
        ]),
      ),
    );
    out.push("", "## One at a time: where the time goes around the driver call, floor and host (p50 of each part, µs)");
    out.push(
      renderTable(
        ["durability", "operation", "floor: first commit", "host: before the call", "floor: the call", "host: the call", "floor: second commit", "host: after the call"],
        referenceRows.map((r) => [
          r.durability,
          r.operation,
          cell(r.floorPhasesP50.before),
          cell(r.hostPhasesP50.before),
          cell(r.floorPhasesP50.call),
          cell(r.hostPhasesP50.call),
          cell(r.floorPhasesP50.after),
          cell(r.hostPhasesP50.after),
        ]),
      ),
    );
  }
  const cpuRows = results.latency.filter((r, i, all) => all.findIndex((o) => o.durability === r.durability) === i);
  if (cpuRows.length > 0) {
    out.push("", "## CPU of the calling process per driver call, one at a time (µs)");
    out.push(
      renderTable(
        ["durability", "baseline client", "host", "host - baseline", "write-ahead floor"],
        cpuRows.map((r) => [
          r.durability,
          cell(r.baselineCpuUsPerCall),
          cell(r.hostCpuUsPerCall),
          (r.hostCpuUsPerCall.median - r.baselineCpuUsPerCall.median).toFixed(0),
          cell(r.floorCpuUsPerCall),
        ]),
      ),
    );
  }
  if (results.throughput.length > 0) {
    out.push("", `## Throughput (calls/s, create+delete on distinct groups); baseline best ${results.baselineBestThroughput?.toFixed(0) ?? "-"}`);
    out.push(
      renderTable(
        ["callers", "baseline", "host", "host / baseline best", "CPU µs/call baseline", "CPU µs/call host"],
        results.throughput.map((r) => [
          String(r.concurrency),
          cell(r.baseline),
          cell(r.host),
          r.ratioToBaselineBest.toFixed(2),
          cell(r.baselineCpuUsPerCall),
          cell(r.hostCpuUsPerCall),
        ]),
      ),
    );
  }
  if (results.scale.length > 0) {
    out.push("", "## Scale: one group of N volumes, each case in its own host process");
    out.push(
      renderTable(
        ["volumes", "operation", "driver answer", "time (ms)", "host peak RSS (MiB)"],
        results.scale.map((r) => [String(r.volumes), r.operation, r.answer, cell(r.ms), cell(r.peakRssMiB)]),
      ),
    );
  }
  if (results.pluginStart.length > 0) {
    out.push("", "## Plugin start (ms from launch)");
    out.push(
      renderTable(
        ["plugin", "handshake and checks done", "first call answered"],
        results.pluginStart.map((r) => [r.plugin, cell(r.readyMs, 1), cell(r.firstCallMs, 1)]),
      ),
    );
  }
  return out.join("\n");
}

/** The run's last line: the two headline ratios. */
export function headlineLine(results: BenchResults): string {
  const { latencyRatioP50, throughputRatio } = results.headline;
  const fixed = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : "n/a");
  return `latency ratio p50 ${fixed(latencyRatioP50)}, throughput ratio ${fixed(throughputRatio)}`;
}
