// The machine report: the ConformanceReport as JSON, with a format version for consumers.
import type { ConformanceReport } from "./run-conformance.js";

/** The version of the JSON report's shape; raised when a field changes meaning or goes away. */
export const JSON_REPORT_FORMAT = 1;

/** The report as indented JSON, ending with a newline. */
export function formatJsonReport(report: ConformanceReport): string {
  return `${JSON.stringify({ format: JSON_REPORT_FORMAT, ...report }, null, 2)}\n`;
}
