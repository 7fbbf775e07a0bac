// Atomics.waitAsync's type, for the TypeScript that compiles notebook cells (tslab's 5.0, whose
// libraries stop at ES2022) and for this library (its ES2022 library): the method is ES2024, and
// Node has it since 16. Declared once here, so that a cell writes `Atomics.waitAsync(…)` as it is.
export {};

declare global {
  interface Atomics {
    /**
     * Waits without blocking the thread until `typedArray[index]` is notified, if it still equals
     * `value` (the non-blocking form of `Atomics.wait`).
     *
     * @example
     * ```ts
     * const w = Atomics.waitAsync(flags, 0, 0, 1000);
     * const result = w.async ? await w.value : w.value; // "ok", "not-equal" or "timed-out"
     * ```
     * Warning: a pending wait does not keep Node alive by itself; `async: false` means it settled at once.
     */
    waitAsync(
      typedArray: Int32Array,
      index: number,
      value: number,
      timeout?: number,
    ): { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
  }
}
