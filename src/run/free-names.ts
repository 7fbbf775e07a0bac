// The names a function's source uses without defining them: what must come from around it. Read with
// TypeScript's own parser and binder, so that a parameter or a local of the same name (`const k = 3`
// inside the function) shadows an outer `k` exactly as JavaScript scoping says.
import type * as TS from "typescript";
import { kernelCompiler } from "../kernel/tslab";

let typescript: typeof TS | undefined;

/** TypeScript, loaded on first use: only the notebook's side reads sources, never a worker. */
function ts(): typeof TS {
  // In a tslab kernel its own compiler is loaded already: reusing it spares the first send of a
  // session a second compiler (about a second, and tens of MB of the kernel's memory).
  typescript ??= kernelCompiler<typeof TS>() ?? (require("typescript") as typeof TS);
  return typescript;
}

const FILE = "travelling.ts";
const cache = new Map<string, Map<string, boolean>>();

/** True when `node` (an identifier or `exports.name`) is written: `x = …`, `x += …`, `x++`, `--x`. */
function isWritten(node: TS.Node): boolean {
  const t = ts();
  const parent = node.parent;
  if (t.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    return parent.left === node && op >= t.SyntaxKind.FirstAssignment && op <= t.SyntaxKind.LastAssignment;
  }
  if (t.isPrefixUnaryExpression(parent) || t.isPostfixUnaryExpression(parent)) {
    return parent.operator === t.SyntaxKind.PlusPlusToken || parent.operator === t.SyntaxKind.MinusMinusToken;
  }
  return false;
}

/** An identifier that names a variable, not a property, a label or a member. */
function isReference(node: TS.Identifier): boolean {
  const t = ts();
  const parent = node.parent;
  if ((t.isPropertyAccessExpression(parent) || t.isMetaProperty(parent)) && parent.name === node) return false;
  if (t.isQualifiedName(parent) && parent.right === node) return false;
  if ((t.isLabeledStatement(parent) || t.isBreakOrContinueStatement(parent)) && parent.label === node) return false;
  return true;
}

/**
 * The names `source` (a function or class expression, as {@link functionSource} gives it) uses but
 * does not define, each with whether the function assigns to it. tslab's `exports.name` (a name from
 * an earlier notebook cell) counts as the name `name`; `exports` itself is not listed.
 *
 * @example
 * ```ts
 * freeNames("function work(n) { const k = 2; total += helper(n) * k; return exports.K; }");
 * // Map { "total" => true, "helper" => false, "K" => false, "exports"… not listed }
 * ```
 * Warning: globals (`Math`, `console`, …) are listed too: the caller decides which names matter. The
 * source must parse; one that does not yields no names (rebuilding it fails later with a clear error).
 */
export function freeNames(source: string): Map<string, boolean> {
  const known = cache.get(source);
  if (known) return known;
  const t = ts();
  const file = t.createSourceFile(FILE, `void (${source}\n);`, t.ScriptTarget.ES2022, true, t.ScriptKind.TS);
  const host: TS.CompilerHost = {
    getSourceFile: (name) => (name === FILE ? file : undefined),
    getDefaultLibFileName: () => "lib.d.ts",
    writeFile: () => undefined,
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (name) => name === FILE,
    readFile: () => undefined,
  };
  const program = t.createProgram([FILE], { noLib: true, noResolve: true, types: [] }, host);
  const checker = program.getTypeChecker();
  const names = new Map<string, boolean>();
  const note = (name: string, written: boolean) => names.set(name, (names.get(name) ?? false) || written);
  const unresolved = (id: TS.Identifier): boolean =>
    (t.isShorthandPropertyAssignment(id.parent)
      ? checker.getShorthandAssignmentValueSymbol(id.parent)
      : checker.getSymbolAtLocation(id)) === undefined;
  const visit = (node: TS.Node): void => {
    if (
      t.isPropertyAccessExpression(node) &&
      t.isIdentifier(node.expression) &&
      node.expression.text === "exports" &&
      unresolved(node.expression)
    ) {
      note(node.name.text, isWritten(node));
      return;
    }
    if (t.isIdentifier(node) && isReference(node) && unresolved(node)) note(node.text, isWritten(node));
    t.forEachChild(node, visit);
  };
  if (program.getSyntacticDiagnostics(file).length === 0) visit(file);
  cache.set(source, names);
  return names;
}
