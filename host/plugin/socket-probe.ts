// Whether something listens on a Unix socket file: a connection accepted means a live process.
import { connect } from "node:net";

/** Resolves true when a connection to the Unix socket at `path` is accepted, else false. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
