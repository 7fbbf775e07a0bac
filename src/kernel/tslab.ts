// Everything race-lab knows about tslab, the Jupyter kernel the course runs on (1.0.22, frozen
// upstream), in one place: where its modules are, the private fields and names it looks up on each
// run, the text of its interrupt trace, its table of the cells' names, its own compiler. tslab offers
// no public hooks for any of it; upgrading or replacing the kernel means reading this file.
// A tslab of another version gets plain text output, said once (SUPPORTED_TSLAB).

import * as fs from "node:fs";
import { createRequire } from "node:module";

/** The tslab version whose internals this file reads. */
export const SUPPORTED_TSLAB = "1.0.22";

/** How tslab prints an interrupted cell (■): the stack of this internal error, on stderr. */
export const TSLAB_INTERRUPT_TRACE = "Error: Interrupted asynchronously";

/**
 * How tslab prints a cell interrupted (■) while its synchronous part ran: tslab runs that part with
 * vm's `breakOnSigint`, under which Node takes the SIGINT itself (no listener hears it) and throws
 * this error, whose stack tslab prints on stderr.
 */
export const SYNC_INTERRUPT_TRACE = /^Error(?: \[ERR_SCRIPT_EXECUTION_INTERRUPTED\])?: Script execution was interrupted by `SIGINT`/;

/** One display_data message as tslab's writer takes it. */
export type WriteDisplayData = (data: { data: Record<string, string>; metadata: object; transient: object }, update: boolean) => void;

type LoadedModule = { exports: Record<string, unknown> };

const paths = new Map<string, string | null>();

/**
 * The file of one of tslab's modules as the running process resolves it (the kernel is started as
 * `node …/tslab/bin/tslab kernel`), without loading it: only a module the process already loaded
 * holds the kernel's live state.
 */
function tslabFile(module: string): string | null {
  if (paths.has(module)) return paths.get(module)!;
  let found: string | null = null;
  const roots = [require.main?.filename, process.argv[1], `${process.cwd()}/`, __filename].filter(
    (p): p is string => typeof p === "string" && p !== "",
  );
  for (const root of roots) {
    try {
      found = createRequire(root).resolve(module);
      break;
    } catch {
      // not resolvable from this root: try the next one
    }
  }
  paths.set(module, found);
  return found;
}

/** One of tslab's modules if this process loaded it (so: inside the kernel), else undefined. */
function loadedTslab(module: "tslab/dist/jupyter" | "tslab/dist/metadata"): LoadedModule | undefined {
  const file = tslabFile(module);
  return file ? (require.cache[file] as LoadedModule | undefined) : undefined;
}

/**
 * The version of the tslab this process can reach, or undefined.
 *
 * @example
 * ```ts
 * tslabVersion(); // "1.0.22"
 * ```
 */
export function tslabVersion(): string | undefined {
  const file = tslabFile("tslab/package.json");
  if (!file) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")).version;
  } catch {
    return undefined;
  }
}

let supported: boolean | undefined;

/** Whether this kernel's tslab is the supported one; the first time it is not, says so once. */
function supportedKernel(): boolean {
  if (supported !== undefined) return supported;
  const version = tslabVersion();
  supported = version === SUPPORTED_TSLAB;
  if (!supported) {
    process.stderr.write(
      `race-lab: this kernel runs tslab ${version ?? "of an unknown version"}; race-lab reads the internals of tslab ${SUPPORTED_TSLAB} only, so it shows plain text here (no tables, charts or explorers).\n`,
    );
  }
  return supported;
}

/**
 * The kernel's display function for the cell that is running now, or null outside a tslab kernel
 * (and in a tslab of another version). tslab sets `lastWriteDisplayData` on its `jupyter` module at
 * the start of every execute request.
 *
 * @example
 * ```ts
 * const write = kernelDisplayWriter();
 * if (write) write({ data: { "text/plain": "hi" }, metadata: {}, transient: {} }, false);
 * ```
 * Warning: read it at the moment of display: it changes with every cell.
 */
export function kernelDisplayWriter(): WriteDisplayData | null {
  const jupyter = loadedTslab("tslab/dist/jupyter");
  if (!jupyter || !supportedKernel()) return null;
  const writer = jupyter.exports.lastWriteDisplayData;
  return typeof writer === "function" ? (writer as WriteDisplayData) : null;
}

/**
 * Watches the kernel's execute requests: `onRun` as each cell run begins, `onSource` with the cell's
 * source before tslab compiles it. Returns false outside a tslab kernel of the supported version.
 * tslab looks both places up at call time: `jupyter.js` sets `exports.lastWriteDisplayData` at the
 * start of every execute request; `executor.js` calls `metadata.getCodeMetadata(src)` first with the
 * cell's source (later calls are completions).
 *
 * @example
 * ```ts
 * watchExecuteRequests({ onRun: () => runs++, onSource: (src) => noteCellSource(src) });
 * ```
 * Warning: install it once per process; a second copy of race-lab finds it installed and returns true.
 */
export function watchExecuteRequests(hooks: { onRun(): void; onSource(source: string): void }): boolean {
  const jupyter = loadedTslab("tslab/dist/jupyter");
  const metadata = loadedTslab("tslab/dist/metadata");
  const getCodeMetadata = metadata?.exports.getCodeMetadata;
  if (!jupyter || !metadata || typeof getCodeMetadata !== "function" || !supportedKernel()) return false;
  const already = Object.getOwnPropertyDescriptor(jupyter.exports, "lastWriteDisplayData");
  if (already?.get) return true; // installed by another copy of race-lab
  let current = jupyter.exports.lastWriteDisplayData;
  let sourcePending = false;
  Object.defineProperty(jupyter.exports, "lastWriteDisplayData", {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (value) => {
      current = value;
      // tslab sets it once per execute request, right before it compiles the cell. (Setting it to
      // null is a test faking the kernel's display, not a run.)
      if (value !== null && value !== undefined) {
        sourcePending = true;
        hooks.onRun();
      }
    },
  });
  metadata.exports.getCodeMetadata = (src: unknown, ...rest: unknown[]) => {
    if (sourcePending && typeof src === "string") {
      sourcePending = false;
      hooks.onSource(src);
    }
    return (getCodeMetadata as (...a: unknown[]) => unknown)(src, ...rest);
  };
  return true;
}

/**
 * The kernel's table of every name the notebook's cells defined or imported, or undefined outside a
 * tslab kernel. tslab keeps it as `globalThis.__tslab__.exports`; a cell's compiled code refers to an
 * earlier cell's name as `exports.name`.
 *
 * @example
 * ```ts
 * cellNames()?.balance; // the Value an earlier cell made
 * ```
 */
export function cellNames(): Record<string, unknown> | undefined {
  return (globalThis as { __tslab__?: { exports?: Record<string, unknown> } }).__tslab__?.exports;
}

/**
 * tslab's own TypeScript compiler (a TypeScript 5.0 build) when the kernel has loaded it, else
 * undefined: reading a source with it costs the kernel nothing more.
 *
 * @example
 * ```ts
 * const ts = kernelCompiler<typeof import("typescript")>() ?? require("typescript");
 * ```
 */
export function kernelCompiler<T>(): T | undefined {
  const file = Object.keys(require.cache).find((f) => /[\\/]@tslab[\\/]typescript-for-tslab[\\/]lib[\\/]typescript\.js$/.test(f));
  return file ? (require.cache[file]!.exports as T) : undefined;
}
