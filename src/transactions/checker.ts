// The history checker: Adya's dependency graph over the committed transactions of a history — ww
// (Tj overwrote Ti's version), wr (Tj read Ti's version), rw (Tj overwrote the version Ti read) —
// its cycles found and named as Adya's thesis and Elle name them, weakest first: G0 (ww only), G1c
// (ww and wr), G-single (exactly one rw; "lost update" when both wrote the key the reader read),
// G2-item / G2 (two or more rw). Besides cycles: G1a (a read of an aborted transaction's write) and
// G1b (a read of a version its writer later overwrote).

import { type History, checkHistoryShape } from "./history";
import { components, shortestPath } from "./graph";

/**
 * One edge of the dependency graph: `from` must come before `to` in any serial order.
 *
 * @example
 * ```ts
 * const e: DependencyEdge = { from: "T1", to: "T2", kind: "rw", key: "test:1" };
 * ```
 * Warning: an edge joins committed transactions only; an aborted transaction's reads and writes make none.
 */
export interface DependencyEdge {
  from: string;
  to: string;
  kind: "ww" | "wr" | "rw";
  key: string;
  predicate?: boolean;
}

/**
 * An anomaly the checker found: its name, the cycle (transactions, the first again at the end) and
 * its edges, or for G1a/G1b the read at fault, and a sentence.
 *
 * @example
 * ```ts
 * const a: Anomaly = { name: "G-single", cycle: ["T1", "T2", "T1"], edges: [...], text: "T1 —rw test:2→ T2 —wr test:1→ T1" };
 * ```
 * Warning: one example cycle per kind and per strongly connected part is reported, not every cycle.
 */
export interface Anomaly {
  name: "G0" | "G1a" | "G1b" | "G1c" | "G-single" | "lost update" | "G2-item" | "G2";
  cycle?: string[];
  edges?: DependencyEdge[];
  text: string;
}

/**
 * What {@link checkHistory} found.
 *
 * @example
 * ```ts
 * const verdict = checkHistory(history); // { ok: false, anomalies: [{ name: "lost update", … }], … }
 * ```
 * Warning: `ok` speaks of the recorded operations only: what was not recorded (a predicate's missed rows) cannot make a cycle.
 */
export interface HistoryVerdict {
  /** No anomaly: the committed transactions could have run one at a time. */
  ok: boolean;
  anomalies: Anomaly[];
  /** The dependency graph's edges between committed transactions. */
  edges: DependencyEdge[];
  /** One line: "no anomaly among 20 committed transactions", or the anomalies' names. */
  summary: string;
}

const keyOfValue = (value: unknown) => JSON.stringify(value) ?? "undefined";

/**
 * A cycle in words: `T1 —ww test:1→ T2 —rw test:1→ T1`.
 *
 * @example
 * ```ts
 * cycleText(verdict.anomalies[0].edges!);
 * ```
 * Warning: it reads the edges in the order given: pass a cycle's edges as the checker returned them.
 */
export function cycleText(edges: DependencyEdge[]): string {
  if (edges.length === 0) return "";
  return `${edges[0].from}${edges.map((e) => ` —${e.kind}${e.predicate ? " (predicate)" : ""} ${e.key}→ ${e.to}`).join("")}`;
}

/**
 * Checks a history: builds its dependency graph and names every kind of anomaly in it (one example
 * cycle of each kind per strongly connected part of the graph). Works on any history: one
 * {@link historyOf} an explored interleaving, or one a program recorded itself.
 *
 * @example
 * ```ts
 * const t1 = { id: "T1", committed: true, ops: [{ type: "read", key: "x", value: 0 }, { type: "write", key: "x", value: 1 }] };
 * const t2 = { id: "T2", committed: true, ops: [{ type: "read", key: "x", value: 0 }, { type: "write", key: "x", value: 2 }] };
 * checkHistory({ transactions: [t1, t2] }).anomalies[0].name; // "lost update"
 * ```
 * Warning: values must be distinct per key (a value names its version), and committed transactions
 * must be listed in commit order unless `versionOrder` is given; reads of a transaction's own
 * writes make no edge.
 */
export function checkHistory(history: History): HistoryVerdict {
  const h = checkHistoryShape(history);
  const anomalies: Anomaly[] = [];
  const writer = new Map<string, { t: number; final: boolean }>(); // key + value → who installed it
  const finalWrites: Map<string, unknown>[] = h.transactions.map((t) => {
    const last = new Map<string, unknown>();
    for (const op of t.ops) if (op.type === "write") last.set(op.key, op.value);
    return last;
  });
  h.transactions.forEach((t, i) => {
    for (const op of t.ops)
      if (op.type === "write")
        writer.set(`${op.key}\u0000${keyOfValue(op.value)}`, {
          t: i,
          final: keyOfValue(finalWrites[i].get(op.key)) === keyOfValue(op.value),
        });
  });
  const ids = h.transactions.map((t) => t.id);
  const committed = h.transactions.map((t) => t.committed);
  // Each key's committed versions in order: initial (undefined), then each committed writer's final value.
  const versions = new Map<string, number[]>(); // key → writers in version order
  if (h.versionOrder) {
    for (const [key, values] of Object.entries(h.versionOrder)) {
      versions.set(
        key,
        values.flatMap((v) => {
          const w = writer.get(`${key}\u0000${keyOfValue(v)}`);
          return w && committed[w.t] ? [w.t] : [];
        }),
      );
    }
  }
  h.transactions.forEach((t, i) => {
    if (!t.committed) return;
    for (const key of finalWrites[i].keys()) {
      const list = versions.get(key) ?? [];
      if (!h.versionOrder?.[key] && list[list.length - 1] !== i) list.push(i);
      versions.set(key, list);
    }
  });
  const edges: DependencyEdge[] = [];
  const seen = new Set<number>();
  const kinds = { ww: 0, wr: 1, rw: 2 };
  const add = (from: number, to: number, kind: DependencyEdge["kind"], key: string, predicate?: boolean) => {
    if (from === to || !committed[from] || !committed[to]) return;
    // One edge of each kind between two transactions is enough for the cycles (the first key names it).
    const id = (from * ids.length + to) * 3 + kinds[kind];
    if (seen.has(id)) return;
    seen.add(id);
    edges.push({ from: ids[from], to: ids[to], kind, key, ...(predicate ? { predicate } : {}) });
  };
  const place = new Map<string, Map<number, number>>(); // key → writer → its version's place
  for (const [key, list] of versions) {
    place.set(key, new Map(list.map((t, k) => [t, k])));
    for (let k = 1; k < list.length; k++) add(list[k - 1], list[k], "ww", key);
  }
  h.transactions.forEach((t, i) => {
    for (const op of t.ops) {
      if (op.type !== "read") continue;
      const w = writer.get(`${op.key}\u0000${keyOfValue(op.value)}`);
      if (w && w.t !== i && t.committed) {
        if (!committed[w.t])
          anomalies.push({ name: "G1a", text: `${t.id} read ${op.key} = ${keyOfValue(op.value)}, written by ${ids[w.t]}, which aborted` });
        else if (!w.final)
          anomalies.push({
            name: "G1b",
            text: `${t.id} read ${op.key} = ${keyOfValue(op.value)}, an intermediate version: ${ids[w.t]} wrote ${op.key} again before it committed`,
          });
      }
      if (w && w.t === i) continue;
      const list = versions.get(op.key) ?? [];
      if (w) add(w.t, i, "wr", op.key);
      // The next committed version after the one read: its writer overwrote what we read.
      const at = w ? (place.get(op.key)?.get(w.t) ?? -1) : -1;
      if (w && at < 0) continue;
      const next = list[at + 1];
      if (next !== undefined) add(i, next, "rw", op.key, op.predicate);
    }
  });
  anomalies.push(...findCycles(ids, edges));
  const names = [...new Set(anomalies.map((a) => a.name))];
  const committedCount = committed.filter(Boolean).length;
  const summary =
    anomalies.length === 0 ? `no anomaly among ${committedCount} committed transactions` : `${names.join(", ")}: ${anomalies[0].text}`;
  return { ok: anomalies.length === 0, anomalies, edges, summary };
}

/** Cycles of the graph, one of each kind per strongly connected part, named weakest first. */
function findCycles(ids: string[], edges: DependencyEdge[]): Anomaly[] {
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length;
  const out: { to: number; e: DependencyEdge }[][] = ids.map(() => []);
  for (const e of edges) out[index.get(e.from)!].push({ to: index.get(e.to)!, e });
  const comp = components(
    n,
    out.map((list) => list.map((x) => x.to)),
  );
  const path = (start: number, goal: number, inside: (v: number) => boolean, allowed: (e: DependencyEdge) => boolean) =>
    shortestPath(out, start, goal, inside, allowed);
  const size = new Map<number, number>();
  for (const c of comp) size.set(c, (size.get(c) ?? 0) + 1);
  const found: Anomaly[] = [];
  const inPart = (c: number) => (v: number) => comp[v] === c;
  const name = (cycle: DependencyEdge[]): Anomaly["name"] => {
    const rw = cycle.filter((e) => e.kind === "rw");
    if (rw.length === 0) return cycle.every((e) => e.kind === "ww") ? "G0" : "G1c";
    if (rw.length === 1) {
      const other = cycle.find((e) => e !== rw[0]);
      return cycle.length === 2 && other?.kind === "ww" && other.key === rw[0].key ? "lost update" : "G-single";
    }
    return rw.some((e) => e.predicate) ? "G2" : "G2-item";
  };
  const report = (cycle: DependencyEdge[]) => {
    found.push({ name: name(cycle), cycle: [cycle[0].from, ...cycle.map((e) => e.to)], edges: cycle, text: cycleText(cycle) });
  };
  for (const [c, count] of size) {
    if (count < 2) continue;
    const inside = inPart(c);
    const partEdges = edges.filter((e) => inside(index.get(e.from)!) && inside(index.get(e.to)!));
    const kinds: [(e: DependencyEdge) => boolean, (e: DependencyEdge) => boolean][] = [
      [(e) => e.kind === "ww", (e) => e.kind === "ww"], // G0
      [(e) => e.kind === "wr", (e) => e.kind !== "rw"], // G1c: through a wr edge
      [(e) => e.kind === "rw", (e) => e.kind !== "rw"], // G-single: one rw edge
      [(e) => e.kind === "rw", () => true], // G2: more
    ];
    const names = new Set<string>();
    for (const [first, rest] of kinds) {
      let tries = 0;
      for (const e of partEdges.filter(first)) {
        if (++tries > 200) break; // one example per kind is enough: bound the search in a large part
        const back = path(index.get(e.to)!, index.get(e.from)!, inside, rest);
        if (!back) continue;
        const cycle = [e, ...back];
        if (names.has(name(cycle))) continue;
        names.add(name(cycle));
        report(cycle);
        break;
      }
    }
  }
  return found;
}
