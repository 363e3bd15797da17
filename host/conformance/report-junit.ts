// The CI report: JUnit XML, one test case per check, so any CI system shows which check failed
// and why. Every text goes through xmlText/xmlAttribute: the messages quote whatever the plugin
// said, which may hold markup characters or bytes XML does not allow.
import type { ConformanceReport } from "./run-conformance.js";

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 except the surrogates
// on their own, U+FFFE and U+FFFF.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text safe inside an XML element. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, "\uFFFD").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text safe inside a double-quoted XML attribute (newlines kept as character references). */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The report as a JUnit XML document (one testsuite of one testcase per check). */
export function formatJunitReport(report: ConformanceReport): string {
  const { passed, failed, skipped } = report.counts;
  const tests = passed + failed + skipped;
  const suite = report.plugin === undefined ? "cghost conformance" : `cghost conformance: ${report.plugin.name} ${report.plugin.vendorVersion}`;
  const counts = `tests="${tests}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cghost conformance" ${counts}>`,
    `  <testsuite name="${xmlAttribute(suite)}" ${counts} timestamp="${xmlAttribute(report.startedAt)}">`,
    "    <properties>",
    `      <property name="target" value="${xmlAttribute(report.target)}"/>`,
    ...(report.plugin === undefined
      ? []
      : [
          `      <property name="plugin" value="${xmlAttribute(`${report.plugin.name} ${report.plugin.vendorVersion}`)}"/>`,
          `      <property name="operations" value="${xmlAttribute(report.plugin.operations.join(","))}"/>`,
        ]),
    "    </properties>",
  ];
  for (const check of report.checks) {
    const open = `    <testcase classname="cghost.conformance" name="${xmlAttribute(check.name)}" time="${seconds(check.durationMs)}"`;
    const body = xmlText([check.reason, ...check.details.map((d) => `- ${d}`)].join("\n"));
    if (check.status === "failed") {
      lines.push(`${open}>`, `      <failure message="${xmlAttribute(check.reason)}" type="conformance">${body}</failure>`, "    </testcase>");
    } else if (check.status === "skipped") {
      lines.push(`${open}>`, `      <skipped message="${xmlAttribute(check.reason)}"/>`, "    </testcase>");
    } else {
      lines.push(`${open}>`, `      <system-out>${body}</system-out>`, "    </testcase>");
    }
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}
