// Progress for long operations: a spinner with the elapsed time on a terminal's standard error,
// and nothing at all on a pipe or file, so scripts and --json output never see it.
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

/** Waits for `work`, showing `label` with a spinner while it runs when `stream` is a terminal. */
export async function withSpinner<T>(label: string, work: Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!stream.isTTY) return work;
  const started = performance.now();
  let frame = 0;
  const draw = (): void => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label} ${seconds}s\x1b[K`);
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    stream.write("\r\x1b[K");
  }
}
