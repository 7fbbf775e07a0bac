// Depth-first enumeration of every schedule, one run at a time: after a run, the choices that lead
// to the next unexplored one. Shared by the thread explorer and the transaction explorer.

/**
 * The choices that start the next run of a depth-first search, given the decisions of the run just
 * made: the same choices up to the last decision that had an untried option, then that option.
 * Undefined when every option of every decision has been tried (the search is complete).
 *
 * @internal
 * @example
 * ```ts
 * nextPrefix([{ enabled: [0, 1], chosen: 0 }, { enabled: [1], chosen: 1 }], (d) => d.enabled); // [1]
 * ```
 * Warning: the options must be listed in the same order on every run that shares a prefix, or the
 * search skips or repeats schedules.
 */
export function nextPrefix<D extends { chosen: number }>(
  decisions: readonly D[],
  options: (decision: D) => readonly number[],
): number[] | undefined {
  for (let i = decisions.length - 1; i >= 0; i--) {
    const open = options(decisions[i]);
    const at = open.indexOf(decisions[i].chosen);
    if (at + 1 < open.length) return [...decisions.slice(0, i).map((d) => d.chosen), open[at + 1]];
  }
  return undefined;
}
