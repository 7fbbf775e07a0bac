// Finding solutions and hidden tests in a cell: the BEGIN/END markers, and the function a solution sits in (TypeScript's parser).
import { createRequire } from "node:module";
import { NotebookError } from "./notebook.mjs";

const BEGIN_SOLUTION = /^[ \t]*\/\/[ \t]*BEGIN SOLUTION\b.*$/;
const END_SOLUTION = /^[ \t]*\/\/[ \t]*END SOLUTION\b.*$/;
const BEGIN_HIDDEN = /^[ \t]*\/\/[ \t]*BEGIN HIDDEN TESTS\b.*$/;
const END_HIDDEN = /^[ \t]*\/\/[ \t]*END HIDDEN TESTS\b.*$/;

// The TypeScript tslab compiles the cells with (a dependency of tslab, so there in a production install).
const { tslabTypeScript } = createRequire(import.meta.url)("../src/kernel/tslab-modules.cjs");
/** @type {typeof import("typescript")} */
const ts = tslabTypeScript();

/**
 * The name a function-like node goes by: its own, or (an arrow or function expression) the variable or
 * property it is assigned to; null for an anonymous callback.
 * @param {import("typescript").Node} node
 * @returns {string | null}
 */
function functionName(node) {
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const named = /** @type {{ name?: import("typescript").Node }} */ (node).name;
  if (named && (ts.isIdentifier(named) || ts.isPrivateIdentifier(named) || ts.isStringLiteral(named))) return named.text;
  const parent = node.parent;
  if (
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) &&
    ts.isIdentifier(parent.name)
  ) {
    return parent.name.text;
  }
  return null;
}

/**
 * The name of the innermost named function or method whose body holds line `at` (0-based) of `lines`,
 * or null. Read from TypeScript's syntax tree: braces in strings or comments, loops, object literals and
 * anonymous callbacks between the line and its function change nothing.
 * @param {string[]} lines
 * @param {number} at
 * @returns {string | null}
 */
export function enclosingFunctionName(lines, at) {
  const file = ts.createSourceFile("cell.ts", lines.join("\n"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const pos = lines.slice(0, at).reduce((n, line) => n + line.length + 1, 0);
  /** @type {string | null} */
  let found = null;
  /** @param {import("typescript").Node} node */
  const visit = (node) => {
    if (pos < node.getFullStart() || pos >= node.getEnd()) return;
    const body = ts.isFunctionLike(node) ? /** @type {{ body?: import("typescript").Node }} */ (node).body : undefined;
    if (body && pos > body.getStart(file) && pos < body.getEnd()) found = functionName(node) ?? found;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
/**
 * Replaces each `// BEGIN SOLUTION` … `// END SOLUTION` region by a stub that throws
 * NotImplementedError: `notImplemented("<the enclosing function's name>")`. The stub returns `never`,
 * so the function stays type-correct whatever it returns.
 * @param {string} text
 * @param {string} [where] names the cell in errors
 * @returns {{ text: string; found: number }}
 */
export function stubSolutions(text, where = "a solution cell") {
  const lines = text.split("\n");
  const out = [];
  let found = 0;
  for (let i = 0; i < lines.length; i++) {
    if (END_SOLUTION.test(lines[i]))
      throw new NotebookError(`${where}: "// END SOLUTION" without a BEGIN SOLUTION before it (line ${i + 1})`);
    if (!BEGIN_SOLUTION.test(lines[i])) {
      out.push(lines[i]);
      continue;
    }
    const end = lines.findIndex((l, k) => k > i && END_SOLUTION.test(l));
    if (end < 0) throw new NotebookError(`${where}: "// BEGIN SOLUTION" on line ${i + 1} has no "// END SOLUTION"`);
    const indent = /^[ \t]*/.exec(lines[i])?.[0] ?? "";
    const name = enclosingFunctionName(lines, i) ?? "this exercise";
    out.push(`${indent}// YOUR CODE HERE`, `${indent}notImplemented(${JSON.stringify(name)});`);
    found++;
    i = end;
  }
  return { text: out.join("\n"), found };
}

/**
 * Removes each `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS` region, markers included.
 * @param {string} text
 * @param {string} [where] names the cell in errors
 * @returns {string}
 */
export function removeHiddenTests(text, where = "a test cell") {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (!BEGIN_HIDDEN.test(lines[i])) {
      if (END_HIDDEN.test(lines[i])) throw new NotebookError(`${where}: "// END HIDDEN TESTS" without a BEGIN before it (line ${i + 1})`);
      out.push(lines[i]);
      continue;
    }
    const end = lines.findIndex((l, k) => k > i && END_HIDDEN.test(l));
    if (end < 0) throw new NotebookError(`${where}: "// BEGIN HIDDEN TESTS" on line ${i + 1} has no "// END HIDDEN TESTS"`);
    i = end;
  }
  return out.join("\n");
}
