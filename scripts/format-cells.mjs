#!/usr/bin/env node
// Formats the code cells of the lessons with Prettier, as the rest of the code is formatted, so that a
// cell's size is what the formatter makes of it, not what squeezing makes of it. The width is 100, not
// the repository's 140: a notebook's code column is narrower than an editor's.
// Usage: node scripts/format-cells.mjs [--check] [files…]   (default: instructor/*.ipynb)
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import path from "node:path";
import prettier from "prettier";
import { cleanNotebookText } from "./notebook-format.mjs";

/** Prettier's options for a lesson's code cell. */
export const CELL_OPTIONS = { parser: "typescript", printWidth: 100 };

/**
 * A cell's source as Prettier writes it, without the final newline (a cell has none).
 * @param {string} source
 */
export async function formatCell(source) {
  const formatted = await prettier.format(source, CELL_OPTIONS);
  return formatted.replace(/\n$/, "");
}

/**
 * The notebook with its code cells formatted (a new object).
 * @param {import("../grader/notebook.mjs").Notebook} nb
 * @param {string} file its path, named in a parse error
 */
export async function formatNotebookCells(nb, file) {
  const cells = [];
  for (const [index, cell] of nb.cells.entries()) {
    const source = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
    if (cell.cell_type !== "code" || source.trim() === "") {
      cells.push(cell);
      continue;
    }
    try {
      cells.push({ ...cell, source: await formatCell(source) });
    } catch (error) {
      throw new Error(`${file} cell ${index}: Prettier cannot parse it: ${String(error).split("\n")[0]}`);
    }
  }
  return { ...nb, cells };
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  let files = args.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    files = readdirSync("instructor")
      .filter((f) => f.endsWith(".ipynb"))
      .sort()
      .map((f) => path.join("instructor", f));
  }
  let dirty = 0;
  for (const file of files) {
    const before = readFileSync(file, "utf8");
    const after = cleanNotebookText(await formatNotebookCells(JSON.parse(before), file), file);
    if (before === after) continue;
    dirty++;
    if (check) console.log(`${file}: code cells not formatted (run npm run format)`);
    else {
      writeFileSync(file, after);
      console.log(`formatted the code cells of ${file}`);
    }
  }
  if (check && dirty) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`format-cells: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
