// meetInFolder: processes meet in a folder, which forces an interleaving between them (both read
// before either writes) on any machine; a caller alone waits until its timeout; bad arguments and the
// notebook's main thread get clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as raceLab from "race-lab";
import { RaceLabError, meetInFolder, runProcesses, runThreads } from "race-lab";
import { RaceLabArgumentError } from "race-lab/internal";

// What a notebook cell's `import { … } from "race-lab"` compiles to; bound in workers.
declare const race_lab_1: typeof raceLab;

function freshFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-meet-test-"));
}

/** One increment: read, (meet), write. With `meet` both processes read before either writes. */
function increment(file: string, meet: string): boolean {
  const fs = require("fs");
  const seen = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) : 0;
  const met = meet ? race_lab_1.meetInFolder(meet, 2, 10_000) : true;
  fs.writeFileSync(file, `${seen + 1}\n`);
  return met;
}

test("two processes that meet after their reads lose an increment, every run", async () => {
  for (let run = 0; run < 3; run++) {
    const folder = freshFolder();
    try {
      const file = path.join(folder, "count.txt");
      const met = await runProcesses(increment, [
        [file, folder],
        [file, folder],
      ]);
      assert.deepEqual(met, [true, true]);
      assert.equal(fs.readFileSync(file, "utf8"), "1\n", "both read 0 before either wrote 1");
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
});

test("without the meeting, one process alone counts right (the test can tell the two apart)", async () => {
  const folder = freshFolder();
  try {
    const file = path.join(folder, "count.txt");
    await runProcesses(increment, [[file, ""]]);
    await runProcesses(increment, [[file, ""]]);
    assert.equal(fs.readFileSync(file, "utf8"), "2\n");
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test("a caller alone waits until its timeout and says it met nobody", async () => {
  const folder = freshFolder();
  try {
    const started = Date.now();
    const [met] = await runThreads((dir: string) => race_lab_1.meetInFolder(dir, 2, 100), [[folder]]);
    assert.equal(met, false);
    assert.ok(Date.now() - started >= 100);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test("bad arguments and the notebook's main thread get clear errors", () => {
  assert.throws(
    () => meetInFolder("", 2),
    (e: unknown) => e instanceof RaceLabArgumentError && e.argument === "folder",
  );
  assert.throws(
    () => meetInFolder(os.tmpdir(), 0),
    (e: unknown) => e instanceof RaceLabArgumentError && e.argument === "parties",
  );
  assert.throws(
    () => meetInFolder(os.tmpdir(), 2, -1),
    (e: unknown) => e instanceof RaceLabArgumentError && e.argument === "timeoutMs",
  );
  assert.throws(
    () => meetInFolder(os.tmpdir(), 2),
    (e: unknown) => e instanceof RaceLabError && /child process or a worker thread/.test(e.message),
  );
});
