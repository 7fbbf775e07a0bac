// How a FileLock waits: polling, with pauses that double up to a cap. Measured caps (bench/ANALYSIS.md):
// 0.25 ms and 0.5 ms were slower (the waiters' polling steals the holder's core on 2 cores), 2 ms
// the same as 1.

/** A waiter checks whether the holder's process still exists after this much waiting. */
const STALE_CHECK_MS = 25;
/** @internal Pauses of the blocking form (a worker or child): from 0.05 ms, doubling up to 1 ms. */
export const BLOCKING_WAITS = { first: 0.05, max: 1 } as const;
/** @internal Pauses of the async form (timers, anywhere): from 1 ms, doubling up to 8 ms. */
export const ASYNC_WAITS = { first: 1, max: 8 } as const;

/**
 * @internal The waiting schedule of both acquire forms: pauses that double up to a cap and never run past the
 * deadline, with a check for a dead holder after every STALE_CHECK_MS of waiting.
 */
export class Backoff {
  private waited = 0;
  private nextStaleCheck = STALE_CHECK_MS;

  constructor(
    private wait: number,
    private readonly maxWait: number,
    private readonly deadline: number,
    private readonly checkStale: () => void,
  ) {}

  /** How long to pause before the next try, in ms; null once the deadline has passed. */
  nextPause(): number | null {
    const left = this.deadline - Date.now();
    if (left <= 0) return null;
    if (this.waited >= this.nextStaleCheck) {
      this.checkStale();
      this.nextStaleCheck += STALE_CHECK_MS;
    }
    const pause = Math.min(this.wait, left);
    this.waited += pause;
    this.wait = Math.min(this.wait * 2, this.maxWait);
    return pause;
  }
}
