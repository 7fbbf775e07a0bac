import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RaceLabArgumentError } from "./errors";
import { atExit, onInterrupt } from "./lifecycle";

const folders = new Set<string>();
let stopInterrupts: (() => void) | undefined;

function removeAllAtExit(): void {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

/** While folders exist, Ctrl-C in a plain script must clean them up too (not only exit and SIGTERM). */
function whileFoldersExist(): void {
  if (folders.size > 0) stopInterrupts ??= onInterrupt(() => undefined);
  else if (stopInterrupts) {
    stopInterrupts();
    stopInterrupts = undefined;
  }
}

/**
 * Creates a fresh, empty folder under the system's temporary folder for one run's files
 * (`/tmp/race-lab-<prefix>-XXXXXX`). Every call gives a new folder, so runs never see each other's
 * files; all of them are removed when this process exits.
 *
 * @example
 * ```ts
 * const dir = runFolder("counter");
 * const file = path.join(dir, "counter.txt");
 * ```
 * Warning: a folder is removed when the process that created it exits. Create it in the notebook
 * (or main script) and pass its path to child processes, not the other way round.
 */
export function runFolder(prefix = "run"): string {
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) {
    throw new RaceLabArgumentError("prefix", "1 to 40 letters, digits, '-' or '_'", prefix);
  }
  atExit(removeAllAtExit, "files");
  // Under the notebook harness, the run's marker goes into the name, so the harness can tell this
  // run's folders from anyone else's when it checks that none is left behind.
  const marker = /^[0-9a-f]{8}/.exec(process.env.RACE_LAB_HARNESS_RUN ?? "")?.[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `race-lab-${prefix}-${marker ? `${marker}-` : ""}`));
  folders.add(dir);
  whileFoldersExist();
  return dir;
}

/**
 * Removes a folder made by {@link runFolder} now, with everything in it.
 *
 * @example
 * ```ts
 * const dir = runFolder();
 * // … the demo writes files into dir …
 * removeRunFolder(dir);
 * ```
 * Warning: only folders made by `runFolder` (directly in the temporary folder, named `race-lab-…`)
 * are accepted, so a wrong path can never delete anything else.
 */
export function removeRunFolder(dir: string): void {
  const resolved = typeof dir === "string" ? path.resolve(dir) : "";
  const madeHere = folders.has(resolved);
  const looksOurs = path.dirname(resolved) === path.resolve(os.tmpdir()) && path.basename(resolved).startsWith("race-lab-");
  if (!madeHere && !looksOurs) {
    throw new RaceLabArgumentError("dir", "a folder made by runFolder()", dir);
  }
  fs.rmSync(resolved, { recursive: true, force: true });
  folders.delete(resolved);
  whileFoldersExist();
}
