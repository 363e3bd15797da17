// host/conformance/: the conformance kit a driver author runs against a plugin (`cghost
// conformance`), in the manner of csi-sanity. End-user symbols first.
export {
  runConformance,
  CONFORMANCE_CHECKS,
  DEFAULT_CALL_DEADLINE_MS,
  type CheckedPlugin,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceTarget,
} from "./run-conformance.js";
export { CHECK_NAMES, type CheckName, type CheckResult, type CheckStatus } from "./check.js";
export { formatTextReport } from "./report-text.js";
export { formatJsonReport, JSON_REPORT_FORMAT } from "./report-json.js";
export { formatJunitReport, xmlAttribute, xmlText } from "./report-junit.js";
export { splitShellWords, ShellWordsError } from "./shell-words.js";
