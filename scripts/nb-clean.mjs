#!/usr/bin/env node
// Cleans notebooks for commit: nbformat 4.5 with cell ids, kernelspec tslab, no outputs, null
// execution counts, stable key order and a trailing newline. `--check` only reports (exit 1 if dirty).
// Usage: node scripts/nb-clean.mjs [--check] [files…]   (default: instructor/*.ipynb and notebooks/*.ipynb)
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { cleanNotebookText } from "./notebook-format.mjs";

const args = process.argv.slice(2);
const check = args.includes("--check");
let files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  // instructor/: the lessons' source; notebooks/: the student versions generated from it (npm run release).
  files = ["instructor", "notebooks"].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".ipynb"))
      .sort()
      .map((f) => path.join(dir, f)),
  );
}

let dirty = 0;
for (const file of files) {
  const before = readFileSync(file, "utf8");
  const after = cleanNotebookText(JSON.parse(before), file);
  if (before === after) continue;
  dirty++;
  if (check) console.log(`${file}: not clean (run npm run nb:clean)`);
  else {
    writeFileSync(file, after);
    console.log(`cleaned ${file}`);
  }
}
if (check && dirty) process.exit(1);
if (!check) console.log(`${files.length} notebook(s) checked, ${dirty} cleaned`);
