/**
 * A scoped run folder: made for one piece of work and removed when it ends, even when it throws.
 * The `try { … } finally { removeRunFolder(folder) }` every file demo needs, written once.
 */
import * as path from "path";
import { checkFunction } from "./validate";
import { removeRunFolder, runFolder } from "./temp";

/** Joins a file name onto the run folder: `file("count.txt")` → `/tmp/race-lab-trial-…/count.txt`. */
export type FileInFolder = (name: string) => string;

/**
 * Runs `body` with a fresh, empty folder of its own (see `runFolder`), and removes the folder with
 * everything in it when `body` is done — returned, thrown or rejected. Returns what `body` returns.
 * The second argument of `body` joins a name onto the folder.
 *
 * @example
 * ```ts
 * const count = await inRunFolder("serial", async (folder, file) => {
 *   await runProcesses(work, [[1000, file("serial.txt")]]);
 *   return Number(fs.readFileSync(file("serial.txt"), "utf8"));
 * }); // the folder is gone here
 * ```
 * Warning: the folder is removed as soon as `body` settles: return the numbers you need, not paths
 * into it, and `await` every process that writes there inside `body`.
 */
export async function inRunFolder<T>(prefix: string, body: (folder: string, file: FileInFolder) => T | Promise<T>): Promise<T> {
  checkFunction("body", body);
  const folder = runFolder(prefix); // validates prefix
  try {
    return await body(folder, (name: string) => path.join(folder, name));
  } finally {
    removeRunFolder(folder);
  }
}
