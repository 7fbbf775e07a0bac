import { RunOptions, encodeArgLists, runJobs } from "./run";
import { MAX_WORKERS, checkArray, checkCount, checkFunction, checkOneOf, checkOptions, checkTimeout } from "../core/validate";

/**
 * Options of a {@link Pool}.
 *
 * @example
 * ```ts
 * new Pool(4, { kind: "thread", timeoutMs: 10_000 });
 * ```
 */
export interface PoolOptions {
  /** "process" (default, like Python's multiprocessing.Pool) or "thread" (to share memory objects). */
  kind?: "thread" | "process";
  /** How long one map/starmap may take, in ms (default 60 000). */
  timeoutMs?: number;
  /** Prefix workers' output with "[thread 1] " (default true). */
  prefixOutput?: boolean;
}

/**
 * The most items one map/starmap accepts.
 *
 * @example
 * ```ts
 * await pool.map(work, items.slice(0, MAX_POOL_ITEMS));
 * ```
 */
export const MAX_POOL_ITEMS = 100_000;

/**
 * A pool of workers, like Python's `multiprocessing.Pool`: `map` and `starmap` spread the items over
 * at most `workers` workers (each runs its share one after another) and give the results back in
 * item order.
 *
 * @example
 * ```ts
 * const pool = new Pool(2);                                                   // processes
 * await pool.map(partial(work, { filename: f }), [1000, 2000]);               // work(1000, f), work(2000, f)
 * await new Pool(4, { kind: "thread" }).starmap(deposit, Array(500).fill([balance, 10])); // deposit(balance, 10) × 500
 * ```
 * Warning: workers start for each call and end with it (nothing to close or leak), so a call costs one
 * start-up per worker. Memory objects (Value, locks) need `kind: "thread"`.
 */
export class Pool {
  readonly workers: number;
  readonly kind: "thread" | "process";
  private readonly options: RunOptions;

  constructor(workers: number, options: PoolOptions = {}) {
    this.workers = checkCount("workers", workers, MAX_WORKERS);
    checkOptions("options", options, "{ kind, timeoutMs }", ["kind", "timeoutMs", "prefixOutput"]);
    this.kind = options.kind === undefined ? "process" : checkOneOf("options.kind", options.kind, ["thread", "process"] as const);
    checkTimeout("options.timeoutMs", options.timeoutMs);
    this.options = { timeoutMs: options.timeoutMs, prefixOutput: options.prefixOutput };
  }

  /**
   * Calls `fn(item)` for every item and returns the results in item order (Python's `pool.map`).
   *
   * @example
   * ```ts
   * await new Pool(2).map((n) => n * n, [1, 2, 3]); // [1, 4, 9]
   * ```
   */
  async map<T, R>(fn: (item: T) => R | Promise<R>, items: T[]): Promise<Awaited<R>[]> {
    checkFunction("fn", fn);
    checkArray("items", items, MAX_POOL_ITEMS);
    return this.spread(
      "map",
      fn,
      items.map((item) => [item]),
      "items",
    );
  }

  /**
   * Calls `fn(...args)` for every argument list and returns the results in order (Python's
   * `pool.starmap`).
   *
   * @example
   * ```ts
   * await new Pool(2, { kind: "thread" }).starmap(deposit, Array(500).fill([balance, 10]));
   * ```
   */
  async starmap<R>(fn: (...args: any[]) => R | Promise<R>, argLists: unknown[][]): Promise<Awaited<R>[]> {
    checkFunction("fn", fn);
    checkArray("argLists", argLists, MAX_POOL_ITEMS);
    return this.spread("starmap", fn, argLists, "argLists");
  }

  private async spread(method: string, fn: Function, argLists: unknown[][], name: string): Promise<any[]> {
    const encoded = encodeArgLists(name, argLists, this.kind);
    if (encoded.length === 0) return [];
    // Contiguous shares, as even as possible: worker w gets items [start(w), start(w + 1)).
    const count = Math.min(this.workers, encoded.length);
    const start = (w: number) => Math.floor((w * encoded.length) / count);
    const shares = Array.from({ length: count }, (_, w) => encoded.slice(start(w), start(w + 1)));
    const label = `Pool.${method}(${fn.name || "anonymous function"})`;
    const perWorker = await runJobs(this.kind, fn, shares, { ...this.options, label });
    return perWorker.flat(1);
  }
}
