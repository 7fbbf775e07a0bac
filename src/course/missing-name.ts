/**
 * "Cannot find name 'countInThreads'": a cell run before the cell that defines the name (out of order,
 * or after a kernel restart). When the name is one the lesson defines, we can say which cell to run:
 * the lesson's notebook is on disk, in the kernel's working folder, named as `setLesson` was told.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { currentLesson } from "./lesson-start";

const DECLARES = (name: string) =>
  new RegExp(
    `^\\s*(?:export\\s+)?(?:async\\s+)?(?:function\\*?|class|const|let|var|interface|type)\\s+${name.replace(/\$/g, "\\$")}\\b`,
    "m",
  );

/**
 * Where the current lesson defines `name`, for a tip under a "Cannot find name" error: the section
 * heading above the defining cell and its first line; null when the lesson does not define it (a typo
 * then, or no lesson set).
 *
 * @example
 * ```ts
 * whereLessonDefines("countInThreads"); // { heading: "Threads count together", firstLine: "async function countInThreads(…" }
 * ```
 */
export function whereLessonDefines(name: string, folder = process.cwd()): { heading: string | null; firstLine: string } | null {
  const lesson = currentLesson();
  if (!lesson || !/^[\w$]+$/.test(name)) return null;
  let cells: { cell_type: string; source: string | string[] }[];
  try {
    cells = JSON.parse(readFileSync(path.join(folder, `${lesson}.ipynb`), "utf8")).cells;
  } catch {
    return null; // renamed, moved, or not a notebook: no tip rather than a wrong one
  }
  let heading: string | null = null;
  for (const cell of cells) {
    const text = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
    if (cell.cell_type === "markdown") {
      const h = /^#{1,4}\s+(.+)$/m.exec(text);
      if (h) heading = h[1].replace(/[`*]/g, "").trim();
    } else if (cell.cell_type === "code" && DECLARES(name).test(text)) {
      const firstLine = (text.split("\n").find((l) => l.trim() !== "" && !l.trim().startsWith("//")) ?? "").trim();
      return { heading, firstLine: firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine };
    }
  }
  return null;
}

/**
 * The tip to print under tslab's compile error `text`, or "" when there is nothing useful to add.
 *
 * @example
 * ```ts
 * missingNameTip("2:7 - Cannot find name 'countInThreads'.");
 * ```
 */
export function missingNameTip(text: string): string {
  const m = /Cannot find name '([\w$]+)'/.exec(text);
  if (!m) return "";
  const where = whereLessonDefines(m[1]);
  if (!where) return "";
  const section = where.heading ? ` under "${where.heading}"` : "";
  return `Tip: '${m[1]}' is defined by a cell of this lesson that has not run in this kernel yet: the code cell${section} that starts ${where.firstLine}. Run it first (or Run → Run All Above Selected Cell), then this cell again.\n`;
}
