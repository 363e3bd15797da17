// Crash-loop detection: how many times a launched plugin crashed within a sliding window. A plugin
// that keeps crashing is marked failed instead of being restarted forever (a broken binary or a
// backend it cannot live without); an operator's reset() forgets the history.

/** How many crashes within how long mark a plugin failed. */
export interface CrashLoopOptions {
  /** Crashes (unexpected exits and failed restarts) that mark the plugin failed; default 5. */
  maxCrashes: number;
  /** The sliding window they are counted in, in ms; default 60000. */
  windowMs: number;
}

/** 5 crashes within 60 s. */
export const DEFAULT_CRASH_LOOP: Readonly<CrashLoopOptions> = { maxCrashes: 5, windowMs: 60_000 };

/** The crash times of one plugin within the window. */
export class CrashWindow {
  private times: number[] = [];

  constructor(private readonly options: CrashLoopOptions) {}

  /** Records a crash at `now` and returns how many fall within the window, this one included. */
  record(now: number): number {
    this.times = this.times.filter((t) => now - t < this.options.windowMs);
    this.times.push(now);
    return this.times.length;
  }

  /** Crashes within the window ending at `now`. */
  count(now: number): number {
    return this.times.filter((t) => now - t < this.options.windowMs).length;
  }

  /** Whether `count` crashes in the window mean the plugin is failed. */
  isLoop(count: number): boolean {
    return count >= this.options.maxCrashes;
  }

  /** Forgets every crash (the operator reset the plugin). */
  clear(): void {
    this.times = [];
  }
}
