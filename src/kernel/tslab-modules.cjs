// Where the pieces of the pinned tslab are, for the programs that run beside the library: the kernel
// launcher (launcher.cjs), the scripts that register and probe the kernel, the grader. Plain
// CommonJS, loaded by node before anything is built. src/kernel/tslab.ts is the same for the library
// inside a running kernel; between them they hold every tslab module path the project names.
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

/** The tslab version the course is written against (package.json pins it; tslab is frozen upstream). */
const SUPPORTED_TSLAB = "1.0.22";

/** `require` as tslab itself resolves: its own dependencies, whatever the caller's folder. */
const tslabRequire = createRequire(require.resolve("tslab/package.json"));

/** tslab's own command (`tslab kernel …` starts its kernel unchanged). */
const TSLAB_BIN = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");

/**
 * The version of the tslab installed.
 *
 * @example
 * ```js
 * if (tslabVersion() !== SUPPORTED_TSLAB) console.warn("another tslab");
 * ```
 * Warning: the installed one, not necessarily the one a running kernel loaded.
 * @returns {string}
 */
function tslabVersion() {
  return tslabRequire("./package.json").version;
}

/**
 * The zeromq binding tslab loads, so that a client speaks exactly the kernel's zeromq.
 *
 * @example
 * ```js
 * const socket = new (tslabZeromq().Dealer)();
 * ```
 * Warning: a native module: load it once per process.
 * @returns {typeof import("zeromq")}
 */
function tslabZeromq() {
  return tslabRequire("zeromq");
}

/**
 * The TypeScript tslab compiles cells with (5.0.4, its dependency `@tslab/typescript-for-tslab`).
 *
 * @example
 * ```js
 * const source = tslabTypeScript().createSourceFile("cell.ts", code, tslabTypeScript().ScriptTarget.ES2022, true);
 * ```
 * Warning: not the project's own TypeScript (5.6): parse cells with this one.
 * @returns {typeof import("typescript")}
 */
function tslabTypeScript() {
  return tslabRequire("@tslab/typescript-for-tslab");
}

/**
 * The folder of that TypeScript, for a program that loads it by path (the grader's judge, inside the
 * kernel that grades).
 *
 * @example
 * ```js
 * const ts = require(tslabTypeScriptFolder());
 * ```
 * Warning: an absolute path on this machine: do not store it.
 * @returns {string}
 */
function tslabTypeScriptFolder() {
  return path.dirname(tslabRequire.resolve("@tslab/typescript-for-tslab/package.json"));
}

/**
 * tslab's kernel server module (`ZmqServer`) and its start (`startKernel`).
 *
 * @example
 * ```js
 * const { ZmqServer, startKernel } = tslabKernelModules();
 * ```
 * Warning: internals of tslab 1.0.22; check {@link tslabVersion} before changing them.
 * @returns {{ ZmqServer: typeof import("tslab/dist/jupyter").ZmqServer; startKernel: typeof import("tslab/dist/main").startKernel }}
 */
function tslabKernelModules() {
  return { ZmqServer: tslabRequire("./dist/jupyter").ZmqServer, startKernel: tslabRequire("./dist/main").startKernel };
}

module.exports = { SUPPORTED_TSLAB, TSLAB_BIN, tslabVersion, tslabZeromq, tslabTypeScript, tslabTypeScriptFolder, tslabKernelModules };
