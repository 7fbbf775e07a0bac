// Test helpers for the shared-memory primitives: running a test's function in worker threads.
import { runThreads } from "race-lab";

/**
 * `fn` rebuilt so that its source can travel to a worker thread. tsx compiles test files with
 * esbuild's keepNames, which inserts calls to a module-level `__name` helper inside functions
 * (`const f = __name(() => 1, "f")`); the helper does not travel, so the wrapper brings a no-op one.
 * Inside `fn`, reach the library as a notebook cell does: `race_lab_1.X` (bound in every worker).
 */
export function travelable<F extends (...args: any[]) => unknown>(fn: F): F {
  return new Function(`return function threadBody(...args) { const __name = (f) => f; return (${fn.toString()})(...args); }`)() as F;
}

/** Runs `fn` once per argument list, each in its own worker thread; resolves to their results. */
export function inThreads<R>(fn: (...args: any[]) => R, argLists: unknown[][], timeoutMs = 30_000): Promise<Awaited<R>[]> {
  return runThreads(travelable(fn), argLists, { timeoutMs, label: fn.name || "test body" }) as Promise<Awaited<R>[]>;
}
