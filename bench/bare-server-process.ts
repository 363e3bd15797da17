// Starts and stops bench/bare-server.js as a child process.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AnswerMode } from "./answers.js";

const BARE_SERVER = join(import.meta.dirname, "bare-server.js");

/** A running bare server. */
export interface BareServer {
  address: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts the bare grpc-js server on a socket in dir and resolves once it listens. */
export async function startBareServer(dir: string, answer: AnswerMode = "none"): Promise<BareServer> {
  const child = spawn(process.execPath, [BARE_SERVER, join(dir, "bare.sock")], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, BENCH_ANSWER: answer },
  });
  const exited = once(child, "exit");
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const lines = createInterface({ input: child.stdout });
    const first = await Promise.race([
      once(lines, "line").then(([line]) => String(line)),
      exited.then(() => {
        throw new Error("the bare server exited before listening");
      }),
    ]);
    const { address } = JSON.parse(first) as { address: string };
    return { address, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
