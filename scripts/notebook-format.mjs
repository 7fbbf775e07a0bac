// The committed form of a notebook: nbformat 4.5 with cell ids, kernelspec tslab, no outputs, null
// execution counts, stable key order. Used by scripts/nb-clean.mjs and scripts/release.mjs (the
// generated student notebooks are committed in this form too).
import { createHash } from "node:crypto";
import path from "node:path";

/** @typedef {import("../grader/notebook.mjs").Cell} Cell */
/** @typedef {import("../grader/notebook.mjs").Notebook} Notebook */

const KERNELSPEC = { display_name: "TypeScript", language: "typescript", name: "tslab" };
// Exactly what the tslab kernel reports in its kernel_info_reply (tslab 1.0.22 says TypeScript "3.7.2",
// whatever compiler it runs): JupyterLab writes the kernel's language_info into the notebook when it
// connects, and any difference would make every untouched notebook "modified".
export const LANGUAGE_INFO = {
  codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
  file_extension: ".ts",
  mimetype: "text/typescript",
  name: "typescript",
  version: "3.7.2",
};

/**
 * @param {unknown} value
 * @returns {unknown}
 */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const record = /** @type {Record<string, unknown>} */ (value);
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, sortKeys(record[k])]),
    );
  }
  return value;
}

/** @param {Cell["source"] | undefined} source */
function sourceLines(source) {
  const text = Array.isArray(source) ? source.join("") : String(source ?? "");
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

/**
 * The notebook in its committed form (a new object; `nb` is not changed).
 * @param {Notebook} nb
 * @param {string} file its path (its name seeds the ids of cells that have none)
 * @returns {Notebook}
 */
export function cleanNotebook(nb, file) {
  const used = new Set();
  const cells = nb.cells.map((cell, index) => {
    let id = typeof cell.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id) && !used.has(cell.id) ? cell.id : null;
    if (!id) {
      // Deterministic ids: cleaning the same notebook twice gives the same file.
      id = createHash("sha1")
        .update(`${path.basename(file)}:${index}:${sourceLines(cell.source).join("")}`)
        .digest("hex")
        .slice(0, 8);
      while (used.has(id)) id = createHash("sha1").update(id).digest("hex").slice(0, 8);
    }
    used.add(id);
    /** @type {Cell} */
    const out = { cell_type: cell.cell_type, id, metadata: { ...(cell.metadata ?? {}) }, source: sourceLines(cell.source) };
    if (cell.cell_type === "code") {
      out.execution_count = null;
      out.outputs = [];
      delete out.metadata.execution;
      delete out.metadata.collapsed;
      delete out.metadata.scrolled;
    }
    if (cell.attachments && cell.cell_type !== "code") out.attachments = cell.attachments;
    return out;
  });
  /** @type {Record<string, any>} */
  const metadata = { ...(nb.metadata ?? {}), kernelspec: KERNELSPEC, language_info: LANGUAGE_INFO };
  delete metadata.widgets;
  return /** @type {Notebook} */ (sortKeys({ cells, metadata, nbformat: 4, nbformat_minor: 5 }));
}

/**
 * The file text of a clean notebook (JSON indented by one space, as the repository keeps it, and a trailing newline).
 * @param {Notebook} nb
 * @param {string} file
 */
export function cleanNotebookText(nb, file) {
  return JSON.stringify(cleanNotebook(nb, file), null, 1) + "\n";
}
