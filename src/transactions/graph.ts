// The graph searches the history checker runs over its dependency graph: the strongly connected
// parts (a cycle lies inside one), and the shortest path inside a part along the edges one kind
// of cycle may use.

/**
 * Strongly connected components (Tarjan, iterative so long histories do not overflow the stack):
 * the component number of each vertex, given each vertex's successors.
 *
 * @internal
 */
export function components(n: number, out: number[][]): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  const onStack = new Array<boolean>(n).fill(false);
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      if (i === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = true;
      }
      if (i < out[v].length) {
        top[1]++;
        const w = out[v][i];
        if (index[w] < 0) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const u = work[work.length - 1][0];
        low[u] = Math.min(low[u], low[v]);
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}

/**
 * The shortest path (breadth first) from `start` to `goal` through vertices `inside` accepts,
 * along edges `allowed` accepts: the edges in order, or undefined when there is none.
 *
 * @internal
 */
export function shortestPath<E>(
  out: { to: number; e: E }[][],
  start: number,
  goal: number,
  inside: (v: number) => boolean,
  allowed: (e: E) => boolean,
): E[] | undefined {
  const back = new Map<number, { from: number; e: E }>();
  const queue = [start];
  const visited = new Set([start]);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    if (v === goal) {
      const result: E[] = [];
      for (let x = goal; x !== start; x = back.get(x)!.from) result.unshift(back.get(x)!.e);
      return result;
    }
    for (const { to, e } of out[v]) {
      if (!visited.has(to) && inside(to) && allowed(e)) {
        visited.add(to);
        back.set(to, { from: v, e });
        queue.push(to);
      }
    }
  }
  return undefined;
}
