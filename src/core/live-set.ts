// LiveSet: the things of one kind that are running now (runs of threads or processes, managers,
// explorations), ended on the kernel's interrupt and, where they hold child processes, when this
// process ends. Listening for SIGINT only while one is alive keeps a plain script's Ctrl-C its own.

import { atExit, onInterrupt } from "./lifecycle";

/** What a {@link LiveSet} does with the live things on an interrupt, and at exit. */
export interface LiveSetHooks<T> {
  /** Ends them on the kernel's interrupt (SIGINT); they remove themselves as they end. */
  interrupt(items: T[]): void;
  /** Ends them when this process ends (children and servers would outlive it); none for threads. */
  exit?(items: T[]): void;
}

/**
 * A set of running things ended on interrupt and at exit.
 *
 * @internal
 * @example
 * ```ts
 * const running = new LiveSet<Manager>({ interrupt: (ms) => ms.forEach((m) => m.killNow("interrupted")) });
 * running.add(manager);    // from now on an interrupt ends it
 * running.delete(manager); // it ended by itself
 * ```
 * Warning: `add` and `delete` must pair: an item never deleted keeps the SIGINT listener alive.
 */
export class LiveSet<T> {
  private readonly items = new Set<T>();
  private stopInterrupts: (() => void) | undefined;
  // One function for the set's lifetime: atExit keeps a function registered twice once.
  private readonly exitHook = () => this.hooks.exit?.([...this.items]);

  constructor(private readonly hooks: LiveSetHooks<T>) {}

  /** Starts tracking `item`. */
  add(item: T): void {
    this.items.add(item);
    this.stopInterrupts ??= onInterrupt(() => this.hooks.interrupt([...this.items]));
    if (this.hooks.exit) atExit(this.exitHook, "workers");
  }

  /** Stops tracking `item`; with none left, stops listening for the interrupt. */
  delete(item: T): void {
    this.items.delete(item);
    if (this.items.size === 0 && this.stopInterrupts) {
      this.stopInterrupts();
      this.stopInterrupts = undefined;
    }
  }

  /** How many are running. */
  get size(): number {
    return this.items.size;
  }

  /** A copy of the running ones (safe to end them while going through it). */
  values(): T[] {
    return [...this.items];
  }
}
