// Long operations show a spinner with the elapsed time on a terminal, and nothing at all on a
// pipe, so scripts never see it.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { withSpinner } from "../host/cli/spinner.js";

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream: Object.assign(stream, { isTTY }) as unknown as NodeJS.WriteStream, written: () => text };
}

describe("progress", () => {
  it("draws a spinner on a terminal and clears its line when done", async () => {
    const { stream, written } = fakeStream(true);
    const result = await withSpinner("creating group demo", Promise.resolve(42), stream);
    expect(result).toBe(42);
    expect(written()).toMatch(/^\r⠋ creating group demo \d+\.\ds\x1b\[K/);
    expect(written().endsWith("\r\x1b[K")).toBe(true);
  });

  it("writes nothing on a pipe, and passes failures through", async () => {
    const { stream, written } = fakeStream(false);
    await expect(withSpinner("deleting", Promise.reject(new Error("refused")), stream)).rejects.toThrow("refused");
    expect(written()).toBe("");
  });
});
