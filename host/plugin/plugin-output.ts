// Log capture for a launched plugin: its stdout and stderr lines go to the host's logger, and the
// last lines of stderr are kept so a failed launch or a crash can quote why.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Logger } from "pino";

/** How many stderr lines a failure quotes. */
export const STDERR_TAIL_LINES = 50;

// One runaway line must not make an error message (or the ring) megabytes long.
const MAX_KEPT_LINE_CHARS = 2000;

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";

const LEVEL_BY_NAME: Readonly<Record<string, Level>> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  critical: "fatal",
  fatal: "fatal",
};

/** The captured output of one plugin process. */
export interface PluginOutput {
  /** The last lines of stderr, oldest first. */
  stderrTail(): string[];
  /** Resolves when stderr has ended, so an exit's last words are in the tail. */
  readonly stderrEnded: Promise<void>;
}

/** Forwards each stdout and stderr line to `logger` and keeps the stderr tail. */
export function capturePluginOutput(stdout: Readable, stderr: Readable, logger: Logger): PluginOutput {
  const tail: string[] = [];
  forwardLines(stdout, (line) => logLine(logger, "stdout", line));
  const stderrEnded = forwardLines(stderr, (line) => {
    tail.push(line.length > MAX_KEPT_LINE_CHARS ? `${line.slice(0, MAX_KEPT_LINE_CHARS)}...` : line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    logLine(logger, "stderr", line);
  });
  return { stderrTail: () => [...tail], stderrEnded };
}

/** Formats a stderr tail for an error message: what the plugin said last, or that it said nothing. */
export function describeStderrTail(tail: readonly string[]): string {
  if (tail.length === 0) return "the plugin wrote nothing to standard error";
  return `the plugin's last lines of standard error:\n  | ${tail.join("\n  | ")}`;
}

function forwardLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on("line", onLine);
  return new Promise((resolve) => {
    lines.once("close", resolve);
  });
}

/**
 * A line that is a JSON object with a level and a message (pino, structlog, zap, ...) keeps both;
 * the rest of its fields travel under `fields`. Any other line is logged at info as it is.
 */
function logLine(logger: Logger, stream: "stdout" | "stderr", line: string): void {
  // A logger that keeps nothing (the library default) needs no parsing: a line per call is
  // ~4 µs of the host's CPU otherwise.
  if (!logger.isLevelEnabled("fatal")) return;
  const structured = parseStructured(line);
  if (structured) {
    logger[structured.level]({ stream, fields: structured.fields }, structured.msg);
    return;
  }
  if (line.trim() !== "") logger.info({ stream }, line);
}

function parseStructured(line: string): { level: Level; msg: string; fields: Record<string, unknown> } | undefined {
  if (!line.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const { level, msg, message, ...fields } = parsed as Record<string, unknown>;
  const text = typeof msg === "string" ? msg : typeof message === "string" ? message : undefined;
  if (text === undefined) return undefined;
  return { level: levelOf(level), msg: text, fields };
}

/** pino's numeric levels (10..60) or a level name; anything else is info. */
function levelOf(level: unknown): Level {
  if (typeof level === "number") {
    if (level >= 60) return "fatal";
    if (level >= 50) return "error";
    if (level >= 40) return "warn";
    if (level >= 30) return "info";
    if (level >= 20) return "debug";
    return "trace";
  }
  if (typeof level === "string") return LEVEL_BY_NAME[level.toLowerCase()] ?? "info";
  return "info";
}
