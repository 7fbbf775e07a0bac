// The autograder (grader/cli.mjs → grader/backend.py → tslab), end to end on the fixture
// course test/fixtures/grading/notebooks/grading-demo.ipynb (three exercises: 2 + 1 + 1 points).
// One grader run grades five submissions, each in its own fresh kernel (six kernels: one restart):
//   source    the instructor's notebook                     → full marks
//   release   the student notebook as released             → zero
//   tampered  an edited locked cell, a redefined check helper, grading mode switched off from inside the
//             solution, an edited test cell and a deleted one → graded as if untouched
//   chaos     an endless loop, then a failing test, then a passing solution that leaves processes behind
//   reordered exercise 2 moved before exercise 1, and a cell of the student's before a test cell: each
//             exercise still gets its own test's verdict (results are matched by grade_id); a chart of
//             the student's own lands in the feedback, in a form an untrusted notebook shows
// A second run grades seven hostile submissions, one per hole (each a trick that would earn marks,
// escape the cleanup or stall the run without its defence): each must score zero for its trick, the run
// must go on, nothing may be left running, and the gradebook must be written after each submission.
// The tests below read its grades.json, its printed table, and look for leftover processes.
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { assemble } from "../../grader/assemble.mjs";
import { type Cell, type Notebook, cellText, readNotebook, sourceLines } from "../../grader/notebook.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "test", "fixtures", "grading");
const SOURCE_DIR = path.join(COURSE, "notebooks");
const SOURCE = path.join(SOURCE_DIR, "grading-demo.ipynb");
const WORK = path.join(ROOT, "test-artifacts", `grade-test-${process.pid}`);

interface Exercise {
  exercise: string;
  points: number;
  maxPoints: number;
  status: string;
  detail: string;
}
interface Graded {
  submission: string;
  notebook: string | null;
  score: number;
  maxScore: number;
  exercises: Exercise[];
  notes: string[];
  processesEnded: string[];
  error: string | null;
}
interface Run {
  code: number | null;
  out: string;
}

function grade(files: string[], extra: string[] = [], env: NodeJS.ProcessEnv = {}, limitMs = 240_000): Promise<Run> {
  // Asynchronous, so that this process can watch for the submissions' processes while it runs.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "grader", "cli.mjs"), "--source", SOURCE_DIR, ...extra, ...files], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// --- building submissions from the released notebook, as a student would -----------------------

function byId(nb: Notebook, gradeId: string): Cell {
  const cell = nb.cells.find((c) => c.metadata.nbgrader?.grade_id === gradeId);
  assert.ok(cell, `no cell ${gradeId}`);
  return cell;
}
function write(nb: Notebook, gradeId: string, text: string): void {
  byId(nb, gradeId).source = sourceLines(text);
}
function insertBefore(nb: Notebook, gradeId: string, text: string): void {
  const at = nb.cells.indexOf(byId(nb, gradeId));
  nb.cells.splice(at, 0, {
    cell_type: "code",
    id: `student-${at}`,
    metadata: {},
    source: sourceLines(text),
    outputs: [],
    execution_count: null,
  });
}
function remove(nb: Notebook, gradeId: string): void {
  nb.cells.splice(nb.cells.indexOf(byId(nb, gradeId)), 1);
}
function save(nb: Notebook, name: string): string {
  const file = path.join(WORK, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const SOLVED = {
  ex1: "function quadruple(n: number): number {\n  return double(double(n));\n}",
  ex2: "function countVowels(text: string): number {\n  return (text.match(/[aeiou]/gi) ?? []).length;\n}",
};

/** Processes whose working folder is one of the grader's .grading-* folders (the kernels and their children). */
function gradingProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(path.join(COURSE, ".grading-"))) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

let main: Run;
let results: Map<string, Graded>;
let csv: string;
const seenDuringRun = new Set<string>();

before(async () => {
  mkdirSync(WORK, { recursive: true });
  const released = path.join(WORK, "release");
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--source", SOURCE_DIR, "--out", released], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const release = (): Notebook => readNotebook(path.join(released, "grading-demo.ipynb"));

  const tampered = release();
  // An edited locked cell: the helper the solutions build on, broken. Restored, ex1 still passes.
  write(
    tampered,
    "demo-code-02",
    'import { check, expectEqual, expectTrue } from "race-lab/course";\nfunction double(n: number): number {\n  return n + n + 1;\n}',
  );
  write(tampered, "demo-ex1-solution", SOLVED.ex1);
  // A redefined check helper (and expectEqual, and grading mode off); a solution that switches grading
  // mode off from inside the check; an edited test cell. ex2 must still fail.
  insertBefore(
    tampered,
    "demo-ex2-test",
    'async function check(id: string, body: () => unknown, options?: object): Promise<boolean> { return true; }\nfunction expectEqual(...args: unknown[]): void {}\nprocess.env.RACE_LAB_GRADING = "0";',
  );
  write(
    tampered,
    "demo-ex2-solution",
    'function countVowels(text: string): number {\n  process.env.RACE_LAB_GRADING = "0";\n  return 0;\n}',
  );
  write(tampered, "demo-ex2-test", 'await check("demo-ex2", () => {});');
  // A deleted test cell, after a correct solution: re-inserted, and it earns its point.
  write(
    tampered,
    "demo-ex3-solution",
    cellText(byId(readNotebook(SOURCE), "demo-ex3-solution")).replace(/ *\/\/ (BEGIN|END) SOLUTION\n/g, ""),
  );
  remove(tampered, "demo-ex3-test");

  const chaos = release();
  // An endless loop (synchronous: only killing the kernel stops it) …
  write(chaos, "demo-ex1-solution", "function quadruple(n: number): number {\n  while (true) {}\n}");
  // … then a wrong answer right after the restart (fails) …
  write(chaos, "demo-ex2-solution", "function countVowels(text: string): number {\n  return 99;\n}");
  // … then a right answer right after that failure, from a solution that leaves processes running:
  // a detached `sleep`, and a node child that ignores SIGTERM.
  write(
    chaos,
    "demo-ex3-solution",
    'import { spawn } from "child_process";\nasync function childAnswer(): Promise<string> {\n' +
      '  spawn("sleep", ["300"], { detached: true, stdio: "ignore" }).unref();\n' +
      '  spawn(process.execPath, ["-e", "process.on(\'SIGTERM\', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" });\n' +
      '  return "42";\n}',
  );

  const reordered = readNotebook(SOURCE);
  // Exercise 2's heading, solution and test moved before exercise 1's; a cell of the student's right
  // before exercise 1's test; exercise 1 answered wrong. Scoring by position would hand a verdict to
  // the wrong exercise.
  const exercise2 = reordered.cells.splice(reordered.cells.indexOf(byId(reordered, "demo-md-04")), 3);
  reordered.cells.splice(reordered.cells.indexOf(byId(reordered, "demo-md-03")), 0, ...exercise2);
  write(reordered, "demo-ex1-solution", "function quadruple(n: number): number {\n  return 0;\n}");
  insertBefore(reordered, "demo-ex1-test", "const studentsOwnCell = 1;");
  // A chart of the student's own, drawn while grading (the built-ins are locked by then).
  insertBefore(
    reordered,
    "demo-ex2-test",
    'import { showBarChart } from "race-lab";\nawait showBarChart([{ label: "mine", value: 3 }], { title: "my own chart" });',
  );

  const files = [
    SOURCE,
    path.join(released, "grading-demo.ipynb"),
    save(tampered, "tampered.ipynb"),
    save(chaos, "chaos.ipynb"),
    save(reordered, "reordered.ipynb"),
  ];
  // As if another clone had run `npm run setup` last: kernel "tslab" is someone else's. The grader
  // uses a kernelspec of its own, so this changes nothing.
  const otherClone = path.join(WORK, "other-clone-jupyter");
  mkdirSync(path.join(otherClone, "kernels", "tslab"), { recursive: true });
  writeFileSync(
    path.join(otherClone, "kernels", "tslab", "kernel.json"),
    JSON.stringify({
      argv: ["/nonexistent/other-clone/tslab", "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript",
      language: "typescript",
    }),
  );
  const watch = setInterval(() => gradingProcesses().forEach((p) => seenDuringRun.add(p)), 100);
  main = await grade(files, ["--timeout", "8", "--out", path.join(WORK, "out")], { JUPYTER_DATA_DIR: otherClone }, 900_000);
  clearInterval(watch);
  const json = JSON.parse(readFileSync(path.join(WORK, "out", "grades.json"), "utf8")) as { submissions: Graded[] };
  results = new Map(
    json.submissions.map((s) => [
      path.basename(s.submission, ".ipynb") === "grading-demo" && s.submission.includes("release")
        ? "release"
        : path.basename(s.submission, ".ipynb"),
      s,
    ]),
  );
  csv = readFileSync(path.join(WORK, "out", "grades.csv"), "utf8");
});

after(() => rmSync(WORK, { recursive: true, force: true }));

function scores(name: string): Record<string, string> {
  const r = results.get(name);
  assert.ok(r, `no result for ${name}:\n${main.out}`);
  return Object.fromEntries(r.exercises.map((e) => [e.exercise, `${e.points}/${e.maxPoints} ${e.status}`]));
}

test("the grader ran every submission and printed a score table", () => {
  assert.equal(main.code, 0, main.out);
  assert.match(main.out, /grading-demo\.ipynb \(grading-demo\.ipynb\): 4\/4, [\d.]+ s\n {2}demo-ex1-test +2\/2 {2}passed\n/);
  assert.match(main.out, /graded 5 submission\(s\); gradebook in /);
});

test("the source notebook grades to full marks", () => {
  assert.deepEqual(scores("grading-demo"), { "demo-ex1-test": "2/2 passed", "demo-ex2-test": "1/1 passed", "demo-ex3-test": "1/1 passed" });
  assert.deepEqual(results.get("grading-demo")!.notes, []);
});

test("the released notebook grades to zero: every check says the stub is still there", () => {
  const r = results.get("release")!;
  assert.equal(r.score, 0);
  assert.equal(r.maxScore, 4);
  for (const e of r.exercises) assert.match(e.detail, /not solved — the exercise still has its stub/);
});

test("tampering: edited locked cell restored, redefined helpers and grading mode ignored, deleted test re-inserted", () => {
  assert.deepEqual(scores("tampered"), {
    "demo-ex1-test": "2/2 passed", // the locked helper was restored, so the right solution passes
    "demo-ex2-test": "0/1 failed", // neither a fake check, nor grading mode off, nor an emptied test helps
    "demo-ex3-test": "1/1 passed", // deleted, re-inserted, run
  });
  const r = results.get("tampered")!;
  assert.match(r.exercises[1].detail, /ExerciseFailedError: demo-ex2: not solved/);
  assert.deepEqual(r.notes.sort(), [
    "re-inserted deleted test cell demo-ex3-test",
    "restored edited locked cell demo-code-02",
    "restored edited test cell demo-ex2-test",
  ]);
});

test("an endless loop times out, the kernel is restarted, and grading goes on: a failure, then a pass", () => {
  assert.deepEqual(scores("chaos"), {
    "demo-ex1-test": "0/2 timed out",
    "demo-ex2-test": "0/1 failed",
    "demo-ex3-test": "1/1 passed", // sent right after a failed cell: tslab's abort window did not swallow it
  });
  const r = results.get("chaos")!;
  assert.match(r.exercises[0].detail, /timed out after 8 s/);
  assert.match(r.exercises[1].detail, /countVowels|vowels in race: expected 2, got 99/);
  assert.ok(r.notes.includes("kernel restarted: timed out after 8 s"), r.notes.join("\n"));
});

test("reordered cells and a cell inserted before a test: each exercise is scored by its own test (grade_id, not position)", () => {
  assert.deepEqual(scores("reordered"), { "demo-ex1-test": "0/2 failed", "demo-ex2-test": "1/1 passed", "demo-ex3-test": "1/1 passed" });
  const r = results.get("reordered")!;
  assert.deepEqual(
    r.exercises.map((e) => e.exercise),
    ["demo-ex2-test", "demo-ex1-test", "demo-ex3-test"],
    "rows in the submission's order",
  );
  assert.match(r.exercises[1].detail, /quadruple\(3\): expected 12, got 0/);
});

test("processes a submission leaves running are ended, and nothing of the grader's stays behind", () => {
  const r = results.get("chaos")!;
  assert.ok(
    r.processesEnded.some((p) => /sleep 300/.test(p)),
    r.processesEnded.join("\n"),
  );
  // The pids are the grader's PID namespace's (where it could make one): look for the processes by their
  // working folder (the grader's .grading-* folder, which a child inherits) instead.
  assert.ok(seenDuringRun.size >= 5, `the watch saw the kernels and children (${seenDuringRun.size})`);
  assert.deepEqual(gradingProcesses(), [], "no kernel or child of the grader is left");
  assert.deepEqual(
    readdirSync(COURSE).filter((f) => f.startsWith(".grading-")),
    [],
    "the kernels' working folders are removed",
  );
});

// --- hostile submissions: the seven holes ---------------------------------------------

/** A cell a student adds right before the cell `gradeId`. */
const HOSTILE: Record<string, { before?: [string, string]; solutions?: Record<string, string> }> = {
  // 1. A fake race-lab in require.cache whose check passes everything (a guard that re-imports race-lab would use it),
  //    in each public entry: the checks live in race-lab/course, checkSolved in race-lab/instructor.
  "h1-require-cache": {
    before: [
      "demo-ex1-solution",
      "const fakes = { check: async () => {}, checkSolved: async () => true, expectEqual: () => {}, expectTrue: () => {} };\n" +
        'for (const id of ["race-lab", "race-lab/course", "race-lab/instructor"]) {\n  const cached = require.cache[require.resolve(id)]!;\n  cached.exports = { ...cached.exports, ...fakes };\n}',
    ],
  },
  // 2. tslab's execute handler wrapped to answer `ok` whatever the cell did.
  "h2-forged-reply": {
    before: [
      "demo-ex1-solution",
      'const jupyterFile = Object.keys(require.cache).find((k) => k.endsWith("tslab/dist/jupyter.js"))!;\nconst handlerProto = require.cache[jupyterFile]!.exports.JupyterHandlerImpl.prototype;\n' +
        'const realHandleExecute = handlerProto.handleExecute;\nhandlerProto.handleExecute = async function (...args: any[]) {\n  try { await realHandleExecute.apply(this, args); } catch {}\n  return { status: "ok", execution_count: 1 };\n};',
    ],
  },
  // 3. Promise.race resolving at once: checkSolved's race against its timeout would pass a stub.
  "h3-promise-race": {
    before: [
      "demo-ex1-solution",
      'try { (Promise as any).race = async () => undefined; } catch {}\ntry { Object.defineProperty(Promise, "race", { value: async () => undefined }); } catch {}\nconsole.log("Promise.race patched:", String(Promise.race).includes("undefined"));',
    ],
  },
  // 4. Object.is always true: expectEqual passes any value.
  "h4-object-is": {
    before: [
      "demo-ex1-solution",
      'try { Object.is = () => true; } catch {}\ntry { Object.defineProperty(Object, "is", { value: () => true }); } catch {}\nconsole.log("Object.is patched:", Object.is(1, 2));',
    ],
    solutions: { "demo-ex1-solution": "function quadruple(n: number): number {\n  return 0;\n}" },
  },
  // 5. A daemon with an empty environment (no run marker) and a double fork (parent pid 1).
  "h5-daemon": {
    solutions: {
      "demo-ex3-solution":
        'import { spawn } from "child_process";\nasync function childAnswer(): Promise<string> {\n  spawn("/bin/sh", ["-c", "(sleep 3015 &) ; true"], { env: {}, detached: true, stdio: "ignore" }).unref();\n  return "42";\n}',
    },
  },
  // 6. The same daemon holding the kernel's stdio (the grader must not wait for those pipes to close).
  "h6-daemon-stdio": {
    solutions: {
      "demo-ex3-solution":
        'import { spawn } from "child_process";\nasync function childAnswer(): Promise<string> {\n  spawn("/bin/sh", ["-c", "(sleep 3016 &) ; true"], { env: {}, detached: true, stdio: "inherit" }).unref();\n  return "42";\n}',
    },
  },
  // 7. A solution that kills the kernel's parent, the grader's backend.
  "h7-kill-parent": {
    solutions: {
      "demo-ex1-solution": 'function quadruple(n: number): number {\n  process.kill(process.ppid, "SIGKILL");\n  return 4 * n;\n}',
    },
  },
};

let hostile: Run;
let hostileResults: Map<string, Graded>;
const gradebookSizes = new Set<number>();

function daemonsLeft(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (/sleep 301[56]/.test(cmd)) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return found;
}

before(async () => {
  mkdirSync(WORK, { recursive: true });
  const released = path.join(WORK, "hostile-release");
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--source", SOURCE_DIR, "--out", released], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  const files = Object.entries(HOSTILE).map(([name, trick]) => {
    const nb = readNotebook(path.join(released, "grading-demo.ipynb"));
    for (const [id, text] of Object.entries(trick.solutions ?? {})) write(nb, id, text);
    if (trick.before) insertBefore(nb, trick.before[0], trick.before[1]);
    return save(nb, `${name}.ipynb`);
  });
  const out = path.join(WORK, "hostile-out");
  const watch = setInterval(() => {
    try {
      gradebookSizes.add(
        (JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: unknown[] }).submissions.length,
      );
    } catch {
      // not written yet
    }
  }, 200);
  hostile = await grade(files, ["--timeout", "20", "--feedback-hidden-tests", "--out", out], {}, 900_000);
  clearInterval(watch);
  const json = JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: Graded[] };
  hostileResults = new Map(json.submissions.map((s) => [path.basename(s.submission, ".ipynb"), s]));
});

function hostileScores(name: string): Record<string, string> {
  const r = hostileResults.get(name);
  assert.ok(r, `no result for ${name}:\n${hostile.out}`);
  return Object.fromEntries(r.exercises.map((e) => [e.exercise, `${e.points}/${e.maxPoints} ${e.status}`]));
}
const ALL_ZERO = { "demo-ex1-test": "0/2 failed", "demo-ex2-test": "0/1 failed", "demo-ex3-test": "0/1 failed" };

test("hole 1: a fake race-lab in require.cache earns nothing (the tests run with the library as loaded before any student code)", () => {
  assert.deepEqual(hostileScores("h1-require-cache"), ALL_ZERO);
  assert.match(hostileResults.get("h1-require-cache")!.exercises[0].detail, /the exercise still has its stub/);
});

test("hole 2: a kernel that answers ok to every cell earns nothing (no signed verdict, no points)", () => {
  assert.deepEqual(hostileScores("h2-forged-reply"), ALL_ZERO);
});

test("hole 3: Promise.race cannot be replaced while grading, so checkSolved's timeout race holds", () => {
  assert.deepEqual(hostileScores("h3-promise-race"), ALL_ZERO);
  assert.match(hostileResults.get("h3-promise-race")!.exercises[0].detail, /the exercise still has its stub/);
});

test("hole 4: Object.is cannot be replaced while grading, so expectEqual still compares", () => {
  assert.deepEqual(hostileScores("h4-object-is"), ALL_ZERO);
  assert.match(hostileResults.get("h4-object-is")!.exercises[0].detail, /quadruple\(3\): expected 12, got 0/);
});

test("holes 5 and 6: a double-forked daemon with an empty environment (and one holding the kernel's stdio) is ended, and the run does not wait for it", () => {
  for (const name of ["h5-daemon", "h6-daemon-stdio"]) {
    assert.equal(hostileScores(name)["demo-ex3-test"], "1/1 passed", "the daemon is no trick for marks: the answer is right");
    assert.ok(
      hostileResults.get(name)!.processesEnded.some((p) => /sleep 301[56]/.test(p)),
      hostileResults.get(name)!.processesEnded.join("\n"),
    );
  }
  assert.deepEqual(daemonsLeft(), [], "no daemon survives the grading");
});

test("hole 7: a solution that kills the grader's backend cannot stop the run, and the submission is scored", () => {
  const r = hostileResults.get("h7-kill-parent")!;
  assert.ok(r, hostile.out);
  assert.equal(r.exercises.length, 3, "every exercise has a row");
  // In a PID namespace the backend is its init, which a signal from inside cannot kill: the right
  // answer passes. Without one (no `unshare`) the backend dies and the submission is reported as stopped.
  if (r.error === null) assert.equal(hostileScores("h7-kill-parent")["demo-ex1-test"], "2/2 passed");
  else assert.match(r.error, /grading stopped/);
});

test("the hostile run went on to the end, wrote the gradebook after each submission, and left nothing behind", () => {
  assert.match(hostile.out, /graded \d submission\(s\)/, hostile.out);
  assert.equal(hostileResults.size, 7, hostile.out);
  assert.ok(
    [...gradebookSizes].some((n) => n > 0 && n < 7),
    `grades.json was written while the run went on (sizes seen: ${[...gradebookSizes].join(", ")})`,
  );
  assert.deepEqual(gradingProcesses(), [], "no kernel or child of the grader is left");
  const feedback = readdirSync(path.join(WORK, "hostile-out", "feedback"));
  const one = readFileSync(path.join(WORK, "hostile-out", "feedback", feedback[0]), "utf8");
  assert.match(one, /BEGIN HIDDEN TESTS/, "--feedback-hidden-tests shows them");
});

test("a submission past --limit is stopped as a whole, reported, and leaves nothing running", async () => {
  const nb = readNotebook(SOURCE);
  write(nb, "demo-ex1-solution", "function quadruple(n: number): number {\n  while (true) {}\n}");
  const endless = save(nb, "endless.ipynb");
  const out = path.join(WORK, "limit-out");
  // A cell may run 10 minutes, the submission 15 s: the limit is what trips.
  const r = await grade([endless], ["--timeout", "600", "--limit", "15", "--out", out], {}, 600_000);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /error: grading stopped: the submission ran past the limit of 15 s \(--limit\) and was stopped/);
  const graded = (JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: Graded[] }).submissions[0];
  assert.equal(graded.score, 0);
  assert.equal(graded.exercises.length, 3, "every exercise has a row");
  assert.deepEqual(gradingProcesses(), [], "no kernel or child of the grader is left");
});

test("an instructor's Ctrl-C stops the run, keeps the gradebook of what was graded, and leaves nothing running", async () => {
  const out = path.join(WORK, "interrupted-out");
  const child = spawn(process.execPath, [path.join(ROOT, "grader", "cli.mjs"), "--source", SOURCE_DIR, "--out", out, SOURCE, SOURCE], {
    cwd: ROOT,
  });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  // Wait until the first submission is graded and the second one's kernel is up, then interrupt.
  await new Promise<void>((resolve) => {
    let polls = 0;
    const poll = setInterval(() => {
      // (at most 10 minutes: past that, the assertions below say what was missing)
      if ((/4\/4/.test(text) && gradingProcesses().length > 0) || ++polls > 6000) {
        clearInterval(poll);
        resolve();
      }
    }, 100);
  });
  child.kill("SIGINT");
  assert.equal(await closed, 130, text);
  assert.match(text, /grade: stopped \(SIGINT\); the gradebook holds the submissions graded so far/);
  assert.equal((JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: Graded[] }).submissions.length, 1);
  // The kernel dies with the grader's namespace (or process group): give the system a moment to reap it.
  for (let i = 0; i < 100 && gradingProcesses().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(gradingProcesses(), [], "no kernel or child of the grader is left");
  assert.deepEqual(
    readdirSync(COURSE).filter((f) => f.startsWith(".grading-")),
    [],
    "the kernels' working folders are removed",
  );
});

test("grades.csv has one row per exercise and submission, for a gradebook", () => {
  const lines = csv.trim().split("\n");
  assert.equal(lines[0], "submission,notebook,exercise,points,max_points,status,detail");
  assert.equal(lines.length, 1 + 5 * 3);
  assert.ok(
    lines.some((l) => /tampered\.ipynb,grading-demo\.ipynb,demo-ex3-test,1,1,passed,$/.test(l)),
    csv,
  );
  assert.ok(existsSync(path.join(WORK, "out", "feedback")), "the executed notebooks are kept as feedback");
  for (const f of readdirSync(path.join(WORK, "out", "feedback"))) {
    const text = readFileSync(path.join(WORK, "out", "feedback", f), "utf8");
    assert.doesNotMatch(text, /HIDDEN TESTS|quadruple\(-2\)/, `${f}: feedback leaves the hidden tests out by default`);
    assert.match(text, /quadruple\(3\)/, `${f}: the visible test is shown`);
    assert.doesNotMatch(text, /race-lab\.grader/, `${f}: the grader's own cells are not shown`);
  }
});

test("a chart drawn while grading is in the feedback, also as an <img> that an untrusted notebook shows, its description as alt text", () => {
  const name = readdirSync(path.join(WORK, "out", "feedback")).find((f) => f.endsWith("reordered.ipynb"));
  assert.ok(name, "the feedback of the reordered submission");
  const outputs = readNotebook(path.join(WORK, "out", "feedback", name)).cells.flatMap(
    (c) => (c.outputs ?? []) as { data?: Record<string, string | string[]> }[],
  );
  const chart = outputs.find((o) => o.data?.["image/svg+xml"]);
  assert.ok(
    chart?.data,
    `the chart was drawn; the outputs: ${JSON.stringify(outputs.map((o) => o.data?.["text/plain"] ?? o)).slice(0, 600)}`,
  );
  const html = [chart.data["text/html"]].flat().join("");
  assert.match(
    html,
    /^<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="Bar chart of my own chart: mine 3\." width="\d+" height="\d+">$/,
  );
});

test("a malformed notebook, a file that is no notebook, an nbformat 3 one and one from another course get a clear error; paths are the instructor's", async () => {
  const broken = path.join(WORK, "broken.ipynb");
  writeFileSync(broken, '{"cells": [{"cell_type": "code", "source": ');
  const notNotebook = path.join(WORK, "notes.ipynb");
  writeFileSync(notNotebook, JSON.stringify({ title: "my notes" }));
  const badCell = path.join(WORK, "bad-cell.ipynb");
  writeFileSync(badCell, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: 42 }] }));
  const old = path.join(WORK, "old.ipynb");
  writeFileSync(old, JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [] }] }));
  const other = readNotebook(SOURCE);
  other.cells.forEach((c) => {
    if (c.metadata.nbgrader) c.metadata.nbgrader.grade_id = `other-${c.metadata.nbgrader.grade_id}`;
  });
  save(other, "other-course.ipynb");
  // `npm run grade` runs in the project root with INIT_CWD set to where the instructor typed the
  // command: relative submissions and --out are read from there.
  const names = ["broken.ipynb", "notes.ipynb", "bad-cell.ipynb", "old.ipynb", "other-course.ipynb"];
  const r = await grade(names, ["--out", "bad-out"], { INIT_CWD: WORK });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /broken\.ipynb: NOT GRADED\n {2}error: \S*broken\.ipynb: not a notebook: the file is not valid JSON/);
  assert.match(r.out, /notes\.ipynb: not a notebook: a Jupyter notebook is a JSON object with a list of "cells"/);
  assert.match(r.out, /bad-cell\.ipynb: malformed notebook: cell 0 has no valid cell_type and text source/);
  assert.match(
    r.out,
    /old\.ipynb: an nbformat 3 notebook \(an old Jupyter format, from IPython 1-3\): open it in Jupyter and save it, or convert it with `jupyter nbconvert --to notebook --nbformat 4 old\.ipynb`/,
  );
  assert.match(
    r.out,
    /other-course\.ipynb: not from this course: none of its cells carries the nbgrader grade_id of a cell in grading-demo\.ipynb/,
  );
  assert.match(r.out, /graded 0 submission\(s\), 5 could not be graded/);
  assert.match(readFileSync(path.join(WORK, "bad-out", "grades.csv"), "utf8"), /broken\.ipynb,,,0,0,not graded,/);
  assert.equal(existsSync(path.join(ROOT, "bad-out")), false, "--out is not read from the project root");
});

// --- assembling, without a kernel -----------------------------------------------------------------

test("assemble: a deleted test cell comes back right after the cell that precedes it in the source", () => {
  const source = { name: "grading-demo.ipynb", file: SOURCE, nb: readNotebook(SOURCE) };
  const submission = readNotebook(SOURCE);
  remove(submission, "demo-ex1-test");
  remove(submission, "demo-ex2-solution");
  const { cells, notes } = assemble(source, submission);
  const ids = cells.map((c) => c.gradeId);
  assert.deepEqual(
    ids,
    source.nb.cells.map((c) => c.metadata.nbgrader.grade_id),
  );
  assert.deepEqual(notes, [
    "re-inserted deleted test cell demo-ex1-test",
    "re-inserted deleted solution cell demo-ex2-solution (as its stub)",
  ]);
  assert.match(cellText(cells[ids.indexOf("demo-ex1-test")].cell), /BEGIN HIDDEN TESTS/, "the source's test, hidden tests included");
  assert.match(cellText(cells[ids.indexOf("demo-ex2-solution")].cell), /notImplemented\("countVowels"\)/);
  assert.deepEqual(
    cells.filter((c) => c.role === "test").map((c) => c.points),
    [2, 1, 1],
    "points come from the source",
  );
});

test("assemble: a student's copy of a test cell, or a cell claiming points, earns nothing", () => {
  const source = { name: "grading-demo.ipynb", file: SOURCE, nb: readNotebook(SOURCE) };
  const submission = readNotebook(SOURCE);
  const copy = structuredClone(byId(submission, "demo-ex1-test"));
  submission.cells.push(copy);
  submission.cells.push({
    cell_type: "code",
    metadata: { nbgrader: { grade: true, grade_id: "bonus", points: 100, locked: true, solution: false, schema_version: 3 } },
    source: "1",
    outputs: [],
    execution_count: null,
  });
  const { cells, notes } = assemble(source, submission);
  assert.equal(cells.filter((c) => c.role === "test").length, 3);
  assert.equal(cells[cells.length - 1].role, "student");
  assert.equal(cells[cells.length - 1].cell.metadata.nbgrader, undefined);
  assert.deepEqual(notes, ["dropped a second copy of cell demo-ex1-test"]);
});

// --- the real lessons (slow: minutes; opt in) --------------------------------------------------------

test(
  "every lesson grades to full marks and its release to zero (RACE_LAB_GRADE_LESSONS=1)",
  { skip: process.env.RACE_LAB_GRADE_LESSONS !== "1" },
  async () => {
    const released = path.join(ROOT, "notebooks"); // the student versions, generated from instructor/
    const lessons = readdirSync(path.join(ROOT, "instructor")).filter((f) => /^(0[1-9]|[1-9]\d)-.*\.ipynb$/.test(f));
    const run = (files: string[]) =>
      new Promise<Run>((resolve) => {
        const child = spawn(process.execPath, [path.join(ROOT, "grader", "cli.mjs"), "--timeout", "300", ...files], { cwd: ROOT });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code, out }));
      });
    const source = await run(lessons.map((f) => path.join(ROOT, "instructor", f)));
    assert.equal(source.code, 0, source.out);
    for (const m of source.out.matchAll(/\): (\d+)\/(\d+),/g)) assert.equal(m[1], m[2], source.out);
    const student = await run(lessons.map((f) => path.join(released, f)));
    assert.equal(student.code, 0, student.out);
    for (const m of student.out.matchAll(/\): (\d+)\/(\d+),/g)) assert.equal(m[1], "0", student.out);
  },
);

test("the judge locks the built-ins: a patch fails, ordinary code that sets its own toString or name still works", () => {
  // In a child process (the lock is for good): the broken variant first, then the lock.
  const script = `"use strict";
    const guard = require(${JSON.stringify(path.join(ROOT, "grader", "judge.cjs"))});
    const realIs = Object.is;
    Object.is = () => true;
    const before = Object.is(1, 2);
    Object.is = realIs;
    guard.lockForTest();
    let refused = 0;
    try { Object.is = () => true; } catch { refused++; }
    try { Promise.race = async () => undefined; } catch { refused++; }
    try { Object.defineProperty(Array.prototype, "join", { value: () => "done,done" }); } catch { refused++; }
    try { Array.prototype.join = () => "done,done"; } catch { refused++; }
    class E extends Error { constructor() { super("x"); this.name = "E"; } }
    const o = {}; o.toString = () => "mine";
    console.log(JSON.stringify({ before, after: Object.is(1, 2), join: [1, 2].join(","), refused, name: new E().name, own: String(o) }));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: true, after: false, join: "1,2", refused: 4, name: "E", own: "mine" });
});
