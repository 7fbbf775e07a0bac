// A function given as an argument to a thread, a process or an exploration travels the way a run's
// own function does: as its source, with what it uses from the notebook's cells (Python's
// multiprocessing pickles a module-level function the same way, by what it names). This file tells
// the encoder how, and keeps what it packed while the notebook's names still mean the same.
import { defineFunctionTravel, type Destination, type SharedState } from "../core/shared-object";
import { cellNames } from "../kernel/tslab";
import { NOT_A_CELL_NAME } from "./cell-definitions";
import { packFunction, type TravelingFunction, unpackFunction } from "./travel";

type Fn = (...args: any[]) => unknown;

interface Packed {
  packed: TravelingFunction;
  /** What each name the function looked up in the cells meant when it was packed. */
  lookedUp: Map<string, unknown>;
}

// An exploration encodes its arguments again for every schedule, hundreds of times: packing (finding
// what a function uses, compiling it) costs a millisecond or more each time. A packing is kept while
// every name it looked up still means the same object in the notebook; one that copied a constant's
// value is never kept, since the constant may have changed inside.
const packings = new WeakMap<Fn, Map<Destination, Packed>>();

function stillHolds({ lookedUp }: Packed): boolean {
  const cells = cellNames() ?? {};
  for (const [name, then] of lookedUp) {
    const now = Object.prototype.hasOwnProperty.call(cells, name) ? cells[name] : NOT_A_CELL_NAME;
    if (now !== then) return false;
  }
  return true;
}

function pack(fn: Fn, to: Destination): TravelingFunction {
  const kept = packings.get(fn)?.get(to);
  if (kept && stillHolds(kept)) return kept.packed;
  const lookedUp = new Map<string, unknown>();
  const packed = packFunction(fn, to, lookedUp);
  const copiesValues = (packed.definitions ?? []).some((d) => "value" in d) || packed.bound.length > 0;
  if (!copiesValues) {
    if (!packings.has(fn)) packings.set(fn, new Map());
    packings.get(fn)!.set(to, { packed, lookedUp });
  }
  return packed;
}

defineFunctionTravel({
  name: "Function",
  module: __filename,
  toProcesses: true,
  encode: (fn, to) => ({ packed: pack(fn, to) }),
  decode: (state: SharedState) => unpackFunction(state.packed as TravelingFunction),
});
