// Whether a process the tests started (or that one of them started) is still running.
import { readFileSync } from "node:fs";

/**
 * True while `pid` exists and is not a zombie: a zombie still answers kill(0) until its parent
 * reaps it, but runs nothing. Errors other than "no such process" are thrown, not hidden.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
  try {
    // The state is the field after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    // Gone between the two looks.
    return false;
  }
}
