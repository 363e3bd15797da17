// The human report: one line per check with its result and why, the detail lines of every check
// that did not pass (of all checks with `verbose`), and a summary line.
import type { ConformanceReport } from "./run-conformance.js";

const LABEL = { passed: "PASS", failed: "FAIL", skipped: "SKIP" } as const;

/** The report as text, ending with a newline. */
export function formatTextReport(report: ConformanceReport, options: { verbose?: boolean } = {}): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines: string[] = [];
  const plugin = report.plugin;
  lines.push(
    plugin === undefined
      ? `cghost conformance: ${report.target}`
      : `cghost conformance: ${plugin.name} ${plugin.vendorVersion} (contract ${plugin.contractVersion ?? "?"}), ${report.target}`,
    "",
  );
  for (const check of report.checks) {
    lines.push(`${LABEL[check.status]}  ${check.name.padEnd(width)}  ${check.reason}`);
    if (check.status !== "passed" || options.verbose === true) {
      for (const detail of check.details) lines.push(`${" ".repeat(width + 8)}- ${detail}`);
    }
  }
  const { passed, failed, skipped } = report.counts;
  lines.push(
    "",
    `${report.checks.length} checks: ${passed} passed, ${failed} failed, ${skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s: ${report.ok ? "CONFORMANT" : "NOT CONFORMANT"}`,
  );
  return `${lines.join("\n")}\n`;
}
