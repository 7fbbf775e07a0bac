// The judge: runs the course's tests inside the tslab kernel and signs their verdicts. (backend.py puts
// `install` in the first cell, before any student code runs; assemble.mjs replaces every test cell by
// `run(<grade_id>)`.) Why each part is here:
//   - The test cells are compiled here, at install time, from the course's source: nothing the student
//     runs later (a patched tslab, a fake module in require.cache, a redefined `check`) can change the
//     code a test runs. A test's free names resolve, in order, to the judge's helpers (the library's
//     check, and every `expect*` the library exports), the built-ins captured at install, then the
//     notebook's own declarations (tslab's `exports`).
//   - JavaScript's built-ins are locked before student code runs (intrinsics.cjs; holes "Promise.race
//     resolves at once", "Object.is returns true"): their properties cannot be reassigned or redefined,
//     yet an object that inherits one may still give itself its own (`err.name = …` keeps working).
//   - The verdict is written by this module, through a file handle it opened at install time, with a
//     secret it read (and deleted) before any student code ran. The kernel's reply status comes from
//     the student's process and is never trusted alone: no signed verdict, no points.
// It is not a sandbox: code that reads this process's memory (the inspector protocol, a heap
// snapshot, /proc/self/mem, a native addon) could find the secret. docs/INSTRUCTORS.md says so.
"use strict";
const fs = require("node:fs");
const vm = require("node:vm");

const { INTRINSIC_NAMES, lockIntrinsics, lockProperty } = require("./intrinsics.cjs");

const GRADER = Symbol.for("race-lab.grader");

/** @typedef {{ secretFile: string; verdictFile: string; typescript: string; tests: Record<string, string> }} GuardConfig */
/** @typedef {(scope: object) => Promise<unknown>} CompiledTest */
/** One test run's record: how many checks it started, how many are still running, what failed. */
/** @typedef {{ checks: number; pending: number; failures: string[] }} RunRecord */
/**
 * What install() captured, before any student code ran.
 * @typedef {{ secret: Buffer; verdictFd: number; library: Record<string, any>; intrinsics: Record<string, unknown>; tslabExports: Record<string | symbol, unknown>; compiled: Record<string, CompiledTest>; ran: Record<string, unknown> }} GuardState
 */

// Captured now, before any student code: every use below goes through these.
const { apply: ReflectApply, ownKeys: ReflectOwnKeys, has: ReflectHas, get: ReflectGet } = Reflect;
const { defineProperty, freeze, create } = Object;
const PromiseThen = Promise.prototype.then;
const writeSync = fs.writeSync;
const BufferFrom = Buffer.from;
const BufferConcat = Buffer.concat;
const JSONStringify = JSON.stringify;
const StringOf = String;
const ErrorCtor = Error;

/** @type {GuardState | null} */
let state = null;

/**
 * Called by the grader's first cell. `config`: { secretFile, verdictFile, tests: { gradeId: source },
 * typescript: path of tslab's TypeScript }. `raceLab`: the course library as the kernel loaded it.
 * @param {GuardConfig} config
 * @param {Record<string, any>} raceLab
 */
function install(config, raceLab) {
  if (state) throw new ErrorCtor("grading guard: installed twice");
  const secret = fs.readFileSync(config.secretFile); // bytes: never turned into a string
  fs.rmSync(config.secretFile, { force: true });
  const verdictFd = fs.openSync(config.verdictFile, "a");

  // The library's values as loaded now: a test gets these, whatever a student cell does to require.cache.
  /** @type {Record<string, any>} */
  const library = create(null);
  for (const key of Object.keys(raceLab)) library[key] = raceLab[key];
  for (const name of ["checkSolved", "ExerciseFailedError"]) {
    if (typeof library[name] !== "function") throw new ErrorCtor(`grading guard: race-lab has no ${name}`);
  }
  freeze(library);
  // The library's classes and functions: a test builds Values, Locks, Pools… with them, so a student
  // cell must not be able to redefine their methods (an instance may still take its own property).
  for (const value of Object.values(library)) {
    if (typeof value !== "function") continue;
    for (const key of ReflectOwnKeys(value)) if (key !== "prototype") lockProperty(value, key, false);
    const proto = value.prototype;
    if (proto && typeof proto === "object") for (const key of ReflectOwnKeys(proto)) lockProperty(proto, key, true);
  }
  /** @type {Record<string, unknown>} */
  const intrinsics = create(null);
  const global = /** @type {Record<string, any>} */ (globalThis);
  for (const name of INTRINSIC_NAMES) intrinsics[name] = global[name];
  /** @type {Record<string | symbol, unknown> | undefined} */
  const tslabExports = global.__tslab__?.exports;
  if (!tslabExports) throw new ErrorCtor("grading guard: not running in a tslab kernel");

  const ts = require(config.typescript);
  /** @type {Record<string, CompiledTest>} */
  const compiled = create(null);
  for (const gradeId of Object.keys(config.tests)) {
    const js = ts
      .transpileModule(config.tests[gradeId], {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          experimentalDecorators: true,
          esModuleInterop: true,
        },
      })
      .outputText.replace(/^"use strict";\s*/, "");
    // Sloppy on purpose: `with` gives the test's free names the scope below. Compiled now, run later.
    compiled[gradeId] = vm.runInThisContext(`(function (__scope) { with (__scope) { return (async () => {\n${js}\n})(); } })`, {
      filename: `grader:${gradeId}`,
    });
  }

  process.env.RACE_LAB_GRADING = "1";
  lockIntrinsics();
  state = { secret, verdictFd, library, intrinsics, tslabExports, compiled, ran: create(null) };
  // The test cells reach run() through this symbol; a student cell that replaces it only loses points.
  defineProperty(globalThis, GRADER, { value: freeze({ run }), enumerable: false, writable: false, configurable: false });
}

/** @param {{ gradeId: string; passed: boolean; detail: string }} verdict */
function writeVerdict(verdict) {
  if (!state) throw new ErrorCtor("grading guard: not installed");
  const line = BufferConcat([state.secret, BufferFrom(` ${JSONStringify(verdict)}\n`)]);
  writeSync(state.verdictFd, line);
}

/** @param {unknown} e */
function describe(e) {
  if (e instanceof ErrorCtor) return `${StringOf(e.name)}: ${StringOf(e.message)}`;
  try {
    return `thrown: ${StringOf(e)}`;
  } catch {
    return "thrown: a value that cannot be shown";
  }
}

/** What a test may import the library as (grader/backend.py gives the judge all three in one object). */
const LIBRARY_ENTRIES = ["race-lab", "race-lab/course", "race-lab/instructor"];

/** The library's exports a test may call to compare (expectEqual, expectChoice, …): every `expect*` one. */
const EXPECT = /^expect[A-Z]/;

/**
 * The names a test resolves first: the library's real check (captured at install) with the verdict kept
 * in `run`, and every `expect*` helper the library exports, as loaded before any student code ran.
 * @param {Record<string, any>} library
 * @param {RunRecord} run
 * @returns {Record<string, any>}
 */
function judgeHelpers(library, run) {
  /** @type {Record<string, any>} */
  const helpers = create(null);
  for (const name of Object.keys(library)) if (EXPECT.test(name) && typeof library[name] === "function") helpers[name] = library[name];
  helpers.checkSolved = (/** @type {string} */ id, /** @type {unknown} */ body, /** @type {unknown} */ options) => {
    run.checks += 1;
    run.pending += 1;
    process.env.RACE_LAB_GRADING = "1";
    const settled = library.checkSolved(id, body, options);
    return new Promise((resolve, reject) => {
      ReflectApply(PromiseThen, settled, [
        (/** @type {unknown} */ solved) => {
          run.pending -= 1;
          if (solved === true) return resolve(true);
          run.failures.push(`ExerciseFailedError: ${StringOf(id)}: not solved`);
          reject(new library.ExerciseFailedError(`${StringOf(id)}: not solved`));
        },
        (/** @type {unknown} */ e) => {
          run.pending -= 1;
          run.failures.push(describe(e));
          reject(e);
        },
      ]);
    });
  };
  helpers.check = (/** @type {string} */ id, /** @type {unknown} */ body, /** @type {unknown} */ options) =>
    ReflectApply(PromiseThen, helpers.checkSolved(id, body, options), [() => undefined]);
  helpers.gradingMode = () => true;
  return helpers;
}

/**
 * The scope of one test run: the judge's helpers first, then built-ins, then the notebook's names.
 * @param {RunRecord} run
 */
function scopeFor(run) {
  if (!state) throw new ErrorCtor("grading guard: not installed");
  const { library, intrinsics, tslabExports } = state;
  const helpers = judgeHelpers(library, run);
  // A test that imports its checks (`import { check, expectEqual } from "race-lab/course"`) gets the
  // judge's, as a test that names them without an import does: each entry is the library with them.
  const entry = create(null);
  for (const key of Object.keys(library)) entry[key] = library[key];
  for (const key of Object.keys(helpers)) entry[key] = helpers[key];
  freeze(entry);
  helpers.require = (/** @type {string} */ id) => (LIBRARY_ENTRIES.includes(id) ? entry : require(id));
  helpers.exports = create(null);
  helpers.module = create(null);
  return new Proxy(create(null), {
    has: (_t, key) => typeof key === "string" && (key in helpers || key in intrinsics || ReflectHas(tslabExports, key)),
    get: (_t, key) => {
      if (typeof key !== "string") return undefined; // Symbol.unscopables: nothing is hidden
      if (key in helpers) return helpers[key];
      if (key in intrinsics) return intrinsics[key];
      return ReflectGet(tslabExports, key);
    },
    set: (_t, key, value) => {
      if (typeof key === "string" && key in helpers) helpers[key] = value;
      else tslabExports[key] = value;
      return true;
    },
  });
}

/**
 * Runs the source's test `gradeId` (compiled at install) and writes its verdict. The test cell awaits it.
 * @param {string} gradeId
 */
function run(gradeId) {
  if (!state) throw new ErrorCtor("grading guard: not installed");
  const test = state.compiled[StringOf(gradeId)];
  if (!test) throw new ErrorCtor(`grading guard: no test ${StringOf(gradeId)}`);
  /** @type {RunRecord} */
  const record = { checks: 0, pending: 0, failures: [] };
  let finished = false;
  const finish = (/** @type {string | null} */ threw) => {
    if (finished) return;
    finished = true;
    const failures = record.failures;
    let detail = failures.length ? failures[0] : threw;
    if (!detail && record.checks === 0) detail = "the test made no check";
    if (!detail && record.pending > 0) detail = "a check had not finished when the test ended";
    writeVerdict({ gradeId: StringOf(gradeId), passed: !detail, detail: detail ?? "" });
  };
  /** @type {Promise<unknown>} */
  let promise;
  try {
    // `this` is an empty object: TypeScript's helpers (`this.__decorate || …`) must not find a student's.
    promise = ReflectApply(test, create(null), [scopeFor(record)]);
  } catch (e) {
    finish(describe(e));
    throw e;
  }
  // The verdict follows the test's own promise (an async function's: always a real one), through the
  // captured `then`, so a student's Promise tricks cannot settle it early.
  ReflectApply(PromiseThen, promise, [
    () => finish(null),
    (/** @type {unknown} */ e) => finish(record.failures.length ? null : describe(e)),
  ]);
  return promise;
}

// lockForTest: the lock alone, for the unit test (in a throw-away process: it cannot be undone).
// judgeHelpers: for the test that every `expect*` export of the library reaches a test.
module.exports = { install, GRADER, judgeHelpers, lockForTest: lockIntrinsics };
