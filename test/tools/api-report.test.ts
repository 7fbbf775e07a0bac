// scripts/api-report.mjs: the API reports of race-lab's public entries, and the check npm test runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { apiReports, publicEntries } from "../../scripts/api-report.mjs";

const ROOT = path.resolve(__dirname, "..", "..");

test("the public entries are race-lab, race-lab/course and race-lab/instructor (internal has no report)", () => {
  assert.deepEqual(publicEntries(), [
    { specifier: "race-lab", file: "index" },
    { specifier: "race-lab/course", file: "course" },
    { specifier: "race-lab/instructor", file: "instructor" },
  ]);
});

test("the check passes the committed reports and fails a report the surface no longer matches (it can fail)", (t) => {
  // The committed reports, one of them as if an export had been added without its report changing.
  const reports = mkdtempSync(path.join(tmpdir(), "race-lab-api-"));
  t.after(() => rmSync(reports, { recursive: true, force: true }));
  cpSync(path.join(ROOT, "api"), reports, { recursive: true });
  const root = path.join(reports, "race-lab.api.md");
  const committed = readFileSync(root, "utf8");
  const withoutIsMainThread = committed.replace("// @public\nexport const isMainThread: boolean;\n\n", "");
  assert.notEqual(withoutIsMainThread, committed, "the report lists isMainThread");
  writeFileSync(root, withoutIsMainThread);

  const lines: string[] = [];
  const changed = apiReports({ check: true, reports, log: (line) => lines.push(line) });
  assert.deepEqual(changed, ["race-lab.api.md"], lines.join("\n"));
  assert.equal(readFileSync(root, "utf8"), withoutIsMainThread, "a check never writes a report");
});
