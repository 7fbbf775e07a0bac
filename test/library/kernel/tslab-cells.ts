// Runs cells as the tslab kernel does, in this process: tslab's own converter compiles each cell
// (a name from an earlier cell becomes `exports.name`) and tslab's own executor runs it, keeping every
// cell's names in `__tslab__.exports`. Tests of what travels from a notebook's cells use it.
import path from "node:path";
import { format } from "node:util";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** A notebook in this process: `run(cell)` runs one cell's TypeScript; `names` are its cells' names. */
export interface Cells {
  run(source: string): Promise<void>;
  names: Record<string, any>;
  close(): void;
}

/**
 * Starts tslab's executor here: cells run in order, as in a kernel.
 *
 * @example
 * ```ts
 * const cells = tslabCells();
 * await cells.run("function helper(n: number) { return n * 2; }");
 * await cells.run('import { runThreads } from "race-lab";\nconst out = await runThreads((n: number) => helper(n), [[1]]);');
 * ```
 * Warning: one at a time per process (tslab sets the global `__tslab__`); call close().
 */
export function tslabCells(): Cells {
  const { createConverter } = require("tslab/dist/converter") as { createConverter: (o?: object) => any };
  const { createExecutor } = require("tslab/dist/executor") as { createExecutor: (...a: any[]) => any };
  const node = createConverter({ isJS: false, isBrowser: false });
  const convs = { node, browser: node, close: () => node.close() };
  const errors: string[] = [];
  // tslab prints compile errors as console.error("%s%d:%d - %s", file, line, column, message).
  const say = (...a: unknown[]) => errors.push(a[0] instanceof Error ? `${a[0].name}: ${a[0].message}` : format(...a));
  const executor = createExecutor(ROOT, convs, { log: () => undefined, error: say });
  return {
    async run(source: string) {
      errors.length = 0;
      const ok = await executor.execute(source);
      if (!ok) throw new Error(`the cell failed: ${errors.join("\n")}`);
    },
    names: (globalThis as any).__tslab__.exports,
    close() {
      executor.close();
      delete (globalThis as any).__tslab__;
    },
  };
}
