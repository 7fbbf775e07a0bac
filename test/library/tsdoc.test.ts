// Every export of race-lab is documented: a TSDoc comment on each exported declaration of the files
// the package's entries (src/index.ts, course.ts, instructor.ts, internal.ts) re-export, and an
// @example and a `Warning:` (what can surprise or go wrong for the caller) on every exported function
// and class (constants, types and interfaces need only the comment; declarations marked @internal are
// exempt). Students read these in the notebook's tooltips, so a missing one is a bug.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const SRC = path.resolve(__dirname, "..", "..", "src");

/** The files the package's entries re-export from (internal.ts re-exports every module that has exports). */
function reExportedFiles(): string[] {
  const files = new Set<string>();
  for (const entry of ["index.ts", "course.ts", "instructor.ts", "internal.ts"]) {
    const text = readFileSync(path.join(SRC, entry), "utf8");
    for (const m of text.matchAll(/^export (?:\*|\{[^}]*\}) from "\.\/([\w/-]+)"/gm)) files.add(`${m[1]}.ts`);
  }
  return [...files];
}

function undocumented(file: string, text = readFileSync(path.join(SRC, file), "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const problems: string[] = [];
  const overloadDocs = new Map<string, string>();
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const name = ts.isVariableStatement(statement)
      ? statement.declarationList.declarations.map((d) => d.name.getText()).join(", ")
      : ((statement as ts.DeclarationStatement).name?.getText() ?? "(unnamed)");
    let docs = ts
      .getJSDocCommentsAndTags(statement)
      .map((d) => d.getText())
      .join("\n");
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
    else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      if (!/@example/.test(docs)) problems.push(`${file}: ${name} has no @example`);
      if (!/Warning:/.test(docs)) problems.push(`${file}: ${name} has no Warning:`);
    }
  }
  return problems;
}

test("every export of race-lab has TSDoc, and every function and class an @example and a Warning:", () => {
  assert.deepEqual(
    reExportedFiles().flatMap((file) => undocumented(file)),
    [],
  );
});

test("the check catches an export without TSDoc, an @example or a Warning:, and passes one with all three", () => {
  const example = " * @example\n * ```ts\n * f();\n * ```\n";
  const probe = [
    "export function bare(): void {}",
    "/**\n * Documented, no example.\n * Warning: none.\n */\nexport function noExample(): void {}",
    `/**\n * Example, no warning.\n${example} */\nexport function noWarning(): void {}`,
    `/**\n * Complete.\n${example} * Warning: none.\n */\nexport function complete(): void {}`,
    "/** @internal */\nexport function hidden(): void {}",
  ].join("\n");
  assert.deepEqual(undocumented("probe.ts", probe), [
    "probe.ts: bare has no TSDoc comment",
    "probe.ts: noExample has no @example",
    "probe.ts: noWarning has no Warning:",
  ]);
});

test("the entries re-export the library's files", () => {
  assert.ok(reExportedFiles().includes("run/run.ts"), "src/index.ts re-exports run/run.ts");
  assert.ok(reExportedFiles().includes("course/outcomes.ts"), "src/instructor.ts re-exports course/outcomes.ts");
});
