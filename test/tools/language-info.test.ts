// A notebook opens unmodified only when its language_info is what the kernel reports: JupyterLab
// writes the kernel's language_info into the notebook on connecting, and a difference marks it
// modified (and asks to save it on close).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { LANGUAGE_INFO } from "../../scripts/notebook-format.mjs";

const ROOT = path.resolve(__dirname, "..", "..");

test("nb-clean writes exactly the language_info the tslab kernel reports", () => {
  const { JupyterHandlerImpl } = require(path.join(ROOT, "node_modules", "tslab", "dist", "jupyter.js"));
  const reported = new JupyterHandlerImpl(null, false).handleKernel().language_info;
  assert.deepEqual(LANGUAGE_INFO, reported);
});

test("every lesson carries it, in both versions", () => {
  for (const dir of ["instructor", "notebooks"]) {
    for (const file of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith(".ipynb"))) {
      const nb = JSON.parse(readFileSync(path.join(ROOT, dir, file), "utf8"));
      assert.deepEqual(nb.metadata.language_info, LANGUAGE_INFO, `${dir}/${file}`);
    }
  }
});
