// The launched child's side of the handshake channel: announce the address once listening, then
// hold the descriptor open as a lifeline whose end-of-file means the host is gone (even when it
// died by SIGKILL and could not stop us itself).
import { Socket } from "node:net";

/** The handshake line's fields (proto/README.md, step 3). */
export interface HandshakeLine {
  nonce: string;
  address: string;
  contractVersions: string[];
}

/** Thrown when the handshake descriptor cannot be used. */
export class HandshakeError extends Error {
  override readonly name = "HandshakeError";
}

/** An open handshake channel: `close` lets the process exit without waiting for the host. */
export interface Lifeline {
  close(): void;
}

/**
 * Writes the handshake line to descriptor `fd`, then calls `onHostGone` once when reading it
 * returns end-of-file or fails. Resolves once the line is written.
 */
export async function announceAndWatch(fd: number, line: HandshakeLine, onHostGone: (reason: string) => void): Promise<Lifeline> {
  let channel: Socket;
  try {
    // A net.Socket reads a socketpair or pipe descriptor without blocking the thread pool, unlike
    // fs streams, and reports EOF as 'end'.
    channel = new Socket({ fd, readable: true, writable: true });
  } catch (error) {
    throw new HandshakeError(
      `cannot open handshake descriptor ${fd} (${error instanceof Error ? error.message : String(error)}): run the plugin under a cghost host, which passes it, or serve it as a sidecar with an address`,
    );
  }
  let gone = false;
  const hostGone = (reason: string): void => {
    if (gone) return;
    gone = true;
    onHostGone(reason);
  };
  const text = `${JSON.stringify({
    cghost_handshake: 1,
    nonce: line.nonce,
    address: line.address,
    contract_versions: line.contractVersions,
    pid: process.pid,
  })}\n`;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => reject(new HandshakeError(`cannot write the handshake line to descriptor ${fd}: ${error.message}`));
    channel.once("error", failed);
    channel.write(text, "utf8", (error) => {
      channel.removeListener("error", failed);
      if (error) failed(error);
      else resolve();
    });
  }).catch((error: unknown) => {
    channel.destroy();
    throw error;
  });
  channel.on("end", () => hostGone("the handshake channel reached end-of-file"));
  channel.on("error", (error) => hostGone(`the handshake channel failed: ${error.message}`));
  channel.on("close", () => hostGone("the handshake channel closed"));
  // The host never writes; reading only to see end-of-file.
  channel.resume();
  return {
    close: () => {
      gone = true;
      channel.destroy();
    },
  };
}
