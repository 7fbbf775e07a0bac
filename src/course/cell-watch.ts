/**
 * Which cells the tslab kernel is asked to run, watched from inside the kernel (race-lab is loaded into
 * the kernel's process by the lesson's first cell). tslab 1.0.22 gives no hook for it, so we use two
 * places where its modules look a name up on each run:
 *   - `jupyter.js` sets `exports.lastWriteDisplayData` at the start of every execute request: a cell run
 *     begins (we count them);
 *   - `executor.js` calls `metadata.getCodeMetadata(src)` first thing with the cell's source, before it
 *     compiles it: what the cell says (we note which solution cells it holds).
 * Both are looked up through the modules' export objects at call time, so replacing them there is
 * seen. Outside a tslab kernel (workers, child processes, scripts, tests) nothing is watched.
 */

const SOLUTION_CELL = /\bsolutionCell\(\s*["']([\w-]+)["']\s*\)/g;

let runs = 0;
let sourcePending = false;
let watching = false;
/** Exercise id → the run in which a cell holding `solutionCell(id)` was last sent to the kernel. */
const asked = new Map<string, number>();

/** A module the process has already loaded whose file ends with `suffix`, or undefined. */
function loaded(suffix: string): { exports: Record<string, unknown> } | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (mod && file.replace(/\\/g, "/").endsWith(suffix)) return mod as { exports: Record<string, unknown> };
  }
  return undefined;
}

function install(): void {
  const jupyter = loaded("/tslab/dist/jupyter.js");
  const metadata = loaded("/tslab/dist/metadata.js");
  const getCodeMetadata = metadata?.exports.getCodeMetadata;
  if (!jupyter || !metadata || typeof getCodeMetadata !== "function") return;
  const already = Object.getOwnPropertyDescriptor(jupyter.exports, "lastWriteDisplayData");
  if (already?.get) return; // installed by another copy of race-lab
  let current = jupyter.exports.lastWriteDisplayData;
  Object.defineProperty(jupyter.exports, "lastWriteDisplayData", {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value) => {
      current = value;
      // tslab sets it once per execute request, right before it compiles the cell. (Setting it to
      // null is a test faking the kernel's display, not a run.)
      if (value !== null && value !== undefined) {
        runs += 1;
        sourcePending = true;
      }
    },
  });
  metadata.exports.getCodeMetadata = (src: unknown, ...rest: unknown[]) => {
    // The first call after a run begins carries the cell's source; later ones are completions.
    if (sourcePending && typeof src === "string") {
      sourcePending = false;
      for (const m of src.matchAll(SOLUTION_CELL)) asked.set(m[1], runs);
    }
    return (getCodeMetadata as (...a: unknown[]) => unknown)(src, ...rest);
  };
  watching = true;
}

install();

/** True when cell runs are watched (inside a tslab kernel). */
export function watchingCells(): boolean {
  return watching;
}

/** The number of the cell run in progress (0 outside a kernel). */
export function cellRunNumber(): number {
  return runs;
}

/** The run in which a cell holding `solutionCell(id)` was last sent to the kernel, or null. */
export function lastAskedToRun(id: string): number | null {
  return asked.get(id) ?? null;
}
