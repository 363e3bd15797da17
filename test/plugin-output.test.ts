// What the host does with a launched plugin's output: structured lines keep their level and
// message, other lines go at info, and the stderr tail is kept whatever the logger keeps.
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { capturePluginOutput } from "../host/plugin/plugin-output.js";

async function capture(level: string, stderrLines: string[], stdoutLines: string[] = []) {
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const output = capturePluginOutput(stdout, stderr, logger);
  for (const line of stdoutLines) stdout.write(`${line}\n`);
  for (const line of stderrLines) stderr.write(`${line}\n`);
  stdout.end();
  stderr.end();
  await output.stderrEnded;
  return { logged, tail: output.stderrTail() };
}

const PINO_WARN = JSON.stringify({ level: 40, time: 1, msg: "disk nearly full", pool: "p1" });

describe("a plugin's output", () => {
  it("keeps a structured line's level, message and fields, and logs plain lines at info", async () => {
    const { logged, tail } = await capture("info", [PINO_WARN, "plain words"], ["printed"]);
    expect(logged).toMatchObject([
      { level: 30, stream: "stdout", msg: "printed" },
      { level: 40, stream: "stderr", msg: "disk nearly full", fields: { pool: "p1", time: 1 } },
      { level: 30, stream: "stderr", msg: "plain words" },
    ]);
    expect(tail).toEqual([PINO_WARN, "plain words"]);
  });

  it("drops what the logger's level drops", async () => {
    const { logged } = await capture("warn", [JSON.stringify({ level: 30, msg: "call answered" }), PINO_WARN]);
    expect(logged.map((line) => line.msg)).toEqual(["disk nearly full"]);
  });

  it("keeps the stderr tail for crash reports when the logger keeps nothing", async () => {
    const { logged, tail } = await capture("silent", [PINO_WARN, "last words"]);
    expect(logged).toEqual([]);
    expect(tail).toEqual([PINO_WARN, "last words"]);
  });
});
