// Every export of race-lab is documented: a TSDoc comment on each exported declaration of the files
// src/index.ts re-exports, and an @example on every exported function and class (constants, types
// and interfaces need only the comment; declarations marked @internal are exempt). Students read
// these in the notebook's tooltips, so a missing one is a bug.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const SRC = path.resolve(__dirname, "..", "..", "src");

function reExportedFiles(): string[] {
  const index = readFileSync(path.join(SRC, "index.ts"), "utf8");
  return [...index.matchAll(/export \* from "\.\/([\w/-]+)"/g)].map((m) => `${m[1]}.ts`);
}

function undocumented(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(path.join(SRC, file), "utf8"), ts.ScriptTarget.ES2022, true);
  const problems: string[] = [];
  const overloadDocs = new Map<string, string>();
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const name = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name.getText()).join(", ")
      : ((statement as ts.DeclarationStatement).name?.getText() ?? "(unnamed)");
    let docs = ts.getJSDocCommentsAndTags(statement).map((d) => d.getText()).join("\n");
    // Overloads: the comment sits on the first signature and covers the implementation.
    if (ts.isFunctionDeclaration(statement)) {
      if (!statement.body) {
        if (docs && !overloadDocs.has(name)) overloadDocs.set(name, docs);
        continue;
      }
      docs ||= overloadDocs.get(name) ?? "";
    }
    if (/@internal/.test(docs)) continue;
    if (!docs) problems.push(`${file}: ${name} has no TSDoc comment`);
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && !/@example/.test(docs)) {
      problems.push(`${file}: ${name} has no @example`);
    }
  }
  return problems;
}

test("index.ts re-exports the library's files", () => {
  assert.ok(reExportedFiles().length >= 20, "expected the library's files to be re-exported by src/index.ts");
});

test("every export of race-lab has TSDoc, and every function and class an @example", () => {
  assert.deepEqual(reExportedFiles().flatMap(undocumented), []);
});

test("the check catches an undocumented export (it can fail)", () => {
  const probe = ts.createSourceFile("probe.ts", "export function bare(): void {}\n/** Documented.\n * @example\n * ```ts\n * ok();\n * ```\n */\nexport function ok(): void {}\n", ts.ScriptTarget.ES2022, true);
  const names = probe.statements.filter((s) => ts.getJSDocCommentsAndTags(s).length === 0).map((s) => (s as ts.FunctionDeclaration).name?.getText());
  assert.deepEqual(names, ["bare"]);
});
