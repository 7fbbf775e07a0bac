// race-lab as a worker's rebuilt function sees it: the shared objects and the primitives come from
// their own modules, without loading the whole library (which costs a worker about as much as its
// own start). A primitive missing from the light list still works, but every thread that uses it
// loads everything: this test names it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as raceLab from "race-lab";
import { lightLibrary } from "race-lab/internal";

const INDEX = path.resolve(__dirname, "..", "..", "..", "src", "index.ts");

/** The value names index.ts exports from src/shared/ and src/primitives/. */
function primitiveNames(): string[] {
  const names: string[] = [];
  for (const m of readFileSync(INDEX, "utf8").matchAll(/^export \{([^}]*)\} from "\.\/(shared|primitives)\//gm)) {
    for (const part of m[1].split(",")) {
      const name = part.trim();
      if (name && !name.startsWith("type ")) names.push(name);
    }
  }
  return names;
}

test("every shared object and primitive a lesson imports is served without loading the whole library", () => {
  const names = primitiveNames();
  assert.ok(names.includes("Value") && names.includes("ContextDecorator"), `names found: ${names.join(", ")}`);
  let wholeLoaded = 0;
  const library = lightLibrary(() => {
    wholeLoaded++;
    return raceLab as unknown as Record<PropertyKey, unknown>;
  }) as Record<string, unknown>;
  for (const name of names) assert.equal(library[name], (raceLab as Record<string, unknown>)[name], name);
  assert.equal(wholeLoaded, 0, "no name of shared/ or primitives/ loads the whole library");
  // Any other name does (it is still found).
  assert.equal(library.runThreads, raceLab.runThreads);
  assert.equal(wholeLoaded, 1);
});
