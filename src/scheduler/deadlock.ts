// A deadlock in words: who waits for what, held by whom, and the cycle of workers waiting for each
// other (the wait-for graph's cycle).

/**
 * One stuck worker of a deadlock.
 *
 * @example
 * ```ts
 * const w: WaitFor = { worker: 0, call: "lock.acquire()", resource: "lockB", heldBy: 1 };
 * ```
 */
export interface WaitFor {
  worker: number;
  /** The call it waits in, e.g. "lock.acquire()". */
  call: string;
  /** The primitive's name (from setup's `names`, or "Lock 2"). */
  resource: string;
  /** The worker holding it (locks only). */
  heldBy?: number;
}

/**
 * The cycle in the wait-for graph (worker → the worker holding what it waits for), and the sentence
 * that tells it.
 *
 * @example
 * ```ts
 * describeDeadlock([{ worker: 0, call: "lock.acquire()", resource: "b", heldBy: 1 }, { worker: 1, call: "lock.acquire()", resource: "a", heldBy: 0 }]);
 * // { waits, cycle: [0, 1], description: "worker 0 waits in lock.acquire() for b, held by worker 1; …" }
 * ```
 */
export function describeDeadlock(waits: WaitFor[]): { waits: WaitFor[]; cycle?: number[]; description: string } {
  const heldBy = new Map(waits.filter((w) => w.heldBy !== undefined).map((w) => [w.worker, w.heldBy!]));
  let cycle: number[] | undefined;
  for (const { worker } of waits) {
    const path: number[] = [];
    let at: number | undefined = worker;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = heldBy.get(at);
    }
    if (at !== undefined) {
      cycle = path.slice(path.indexOf(at));
      break;
    }
  }
  const parts = waits.map(
    (w) => `worker ${w.worker} waits in ${w.call} for ${w.resource}` + (w.heldBy === undefined ? "" : `, held by worker ${w.heldBy}`),
  );
  const loop = cycle ? ` — a cycle: ${[...cycle, cycle[0]].map((w) => `worker ${w}`).join(" → ")}` : " — and nobody left can wake them";
  return { waits, ...(cycle ? { cycle } : {}), description: `deadlock: ${parts.join("; ")}${loop}` };
}
