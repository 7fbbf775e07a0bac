// docs/DESIGN.md's folder table is the map an engineer reads first: every source file of src/ must be
// named there under its own folder, and every file named there must exist. A file added, moved or
// removed without the table changing with it fails this test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const SRC = path.join(ROOT, "src");

/**
 * The files the table names, by folder ("core/errors.ts"): the fenced block after "## Folders", where a
 * line indented by two spaces opens a folder ("  core/") and every `name.ts` on the lines below it
 * (file names, and files named in a description, "partial.ts: …") belongs to that folder.
 */
export function namedInTable(markdown: string): Set<string> {
  const section = markdown.split(/^## Folders/m)[1] ?? "";
  const block = section.split(/^```\s*$/m)[1] ?? "";
  const named = new Set<string>();
  let folder = "";
  for (const line of block.split("\n")) {
    const opens = /^ {2}([\w-]+)\/(\s|$)/.exec(line);
    if (opens) folder = opens[1];
    // A file at the top of src/ (an entry file): "  index.ts   the surface".
    const top = /^ {2}([\w-]+\.ts)\b/.exec(line);
    if (top) named.add(top[1]);
    if (!folder || top) continue;
    for (const m of line.matchAll(/(?:^|[\s(,:])((?:[\w-]+\/)?[\w-]+\.ts)\b/g)) {
      const name = m[1].includes("/") ? m[1] : `${folder}/${m[1]}`;
      named.add(name);
    }
  }
  return named;
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "dist" || name === "node_modules" ? [] : sourceFiles(full);
    return name.endsWith(".ts") ? [path.relative(SRC, full).split(path.sep).join("/")] : [];
  });
}

test("the table in docs/DESIGN.md names every file of src/, each under its folder, and no file that is not there", () => {
  const named = namedInTable(readFileSync(path.join(ROOT, "docs", "DESIGN.md"), "utf8"));
  const files = new Set(sourceFiles());
  const missing = [...files].filter((f) => !named.has(f)).sort();
  const stale = [...named].filter((f) => !files.has(f)).sort();
  assert.deepEqual(
    { missing, stale },
    { missing: [], stale: [] },
    "update docs/DESIGN.md's folder table: missing = not named there, stale = named but not in src/",
  );
});

test("the table reader finds files under their folder, in descriptions too, and ignores prose outside the block", () => {
  const md = [
    "intro mentions outside.ts",
    "## Folders",
    "```",
    "src/",
    "  index.ts        the surface",
    "  course.ts       another entry",
    "  core/           base",
    "    errors.ts     errors; sleep.ts: sleep(ms)",
    "  run/            running",
    "    worker-entry.ts child-entry.ts   entries",
    "```",
    "after.ts is prose",
  ].join("\n");
  assert.deepEqual([...namedInTable(md)].sort(), [
    "core/errors.ts",
    "core/sleep.ts",
    "course.ts",
    "index.ts",
    "run/child-entry.ts",
    "run/worker-entry.ts",
  ]);
});
