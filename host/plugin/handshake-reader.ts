// Reading the first line a launched plugin writes on descriptor 3, within the handshake timeout
// and racing the plugin's exit. Only the first line counts: it must be the handshake (nothing on
// descriptor 3 is skipped), and whatever follows is drained and ignored, so the lifeline stays
// readable for its real purpose, telling the host that the child closed it.
import type { Readable } from "node:stream";
import { PluginLaunchError } from "./errors.js";
import type { ChildExit } from "./launched-child.js";

/** A handshake line longer than this is refused rather than buffered without end. */
export const MAX_HANDSHAKE_LINE_BYTES = 64 * 1024;

// When descriptor 3 ends without a line, the exit usually follows at once; wait this long for it
// so the error says "exited" (with the exit code) rather than "closed descriptor 3".
const EXIT_AFTER_EOF_MS = 2_000;

/** Resolves with the first line on `lifeline`; rejects with PLUGIN_HANDSHAKE_TIMEOUT, PLUGIN_EXITED or PLUGIN_HANDSHAKE_INVALID. */
export function readHandshakeLine(lifeline: Readable, options: { timeoutMs: number; exited: Promise<ChildExit> }): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      lifeline.off("data", onData);
      lifeline.off("end", onEnd);
      // Keep draining: the plugin may write more, and an unread pipe would fill and block it.
      lifeline.resume();
      outcome();
    };
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline >= 0) {
        const line = buffered.subarray(0, newline).toString("utf8").replace(/\r$/, "");
        finish(() => resolve(line));
      } else if (buffered.length > MAX_HANDSHAKE_LINE_BYTES) {
        finish(() =>
          reject(
            new PluginLaunchError(
              "PLUGIN_HANDSHAKE_INVALID",
              `the plugin wrote more than ${MAX_HANDSHAKE_LINE_BYTES} bytes to descriptor 3 without a newline; the handshake is one short JSON line ending in \\n`,
            ),
          ),
        );
      }
    };
    const onEnd = (): void => {
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new PluginLaunchError(
                "PLUGIN_HANDSHAKE_INVALID",
                `the plugin closed descriptor 3 without writing a complete handshake line${buffered.length > 0 ? ` (it wrote ${JSON.stringify(buffered.toString("utf8").slice(0, 300))})` : ""}; ` +
                  "it must write the line and then keep descriptor 3 open as its lifeline",
              ),
            ),
          ),
        EXIT_AFTER_EOF_MS,
      );
      timers.push(timer);
    };
    lifeline.on("data", onData);
    lifeline.on("end", onEnd);
    timers.push(
      setTimeout(
        () =>
          finish(() =>
            reject(
              new PluginLaunchError(
                "PLUGIN_HANDSHAKE_TIMEOUT",
                `no handshake line on descriptor 3 within ${options.timeoutMs} ms; the plugin must listen on $CGHOST_PLUGIN_SOCKET, then write the line of proto/README.md to $CGHOST_HANDSHAKE_FD (or raise handshakeTimeoutMs if it starts slowly)`,
              ),
            ),
          ),
        options.timeoutMs,
      ),
    );
    options.exited.then((exit) =>
      finish(() => reject(new PluginLaunchError("PLUGIN_EXITED", `the plugin ${describeExit(exit)} before writing its handshake line`))),
    );
  });
}

/** "exited with code 3" or "was killed by SIGKILL". */
export function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
