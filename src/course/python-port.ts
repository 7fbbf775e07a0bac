/**
 * The lessons' Python ports (python/NN_name.py), run from a notebook so their results stand beside
 * the TypeScript ones. Python is optional: without `python3` (or without the python/ folder) the
 * helpers say so in one line and return null, and the lesson goes on.
 */
import * as fs from "fs";
import * as path from "path";
import { RaceLabArgumentError } from "../core/errors";
import { libraryFolder } from "../core/environment";
import { showTable } from "../display/show-table";
import { showText } from "../display/display";
import { checkTimeout } from "../core/validate";
import { findPython, runPython } from "./python-interpreter";

/** What {@link runPythonPort} ran and got. */
export interface PythonRun {
  /** e.g. "Python 3.11.2". */
  python: string;
  /** The port's path. */
  port: string;
  stdout: string;
  stderr: string;
  /** Wall time of the whole run, in ms (including Python's start). */
  ms: number;
  /** stdout parsed as JSON when it is JSON (the ports' `--json` mode), else undefined. */
  json: any;
}

/** The exit status by which a port says it cannot run here (a Python package is missing), its stderr saying which. */
export const PORT_CANNOT_RUN_HERE = 3;

/** Options of {@link runPythonPort}. */
export interface PythonPortOptions {
  /** Command-line arguments for the port, e.g. ["--json", "--trials", "2"]. */
  args?: string[];
  /** How long the port may run, in ms (default 60 000); it is ended after that. */
  timeoutMs?: number;
}

/** The python/ folder of the course: next to the notebooks' folder, or above the library's build. */
function portsFolder(): string | undefined {
  const candidates = [path.resolve("..", "python"), path.resolve("python"), path.resolve(libraryFolder(), "..", "..", "python")];
  return candidates.find((dir) => fs.existsSync(dir));
}

/**
 * Runs the lesson's Python port `python/<port>` with `python3` (through zx's `$`, ended on the
 * kernel's interrupt) and returns what it printed (parsed as JSON when it is JSON) — or null, after
 * one line saying why, when there is no `python3` or no python/ folder here, or when the port exits
 * with {@link PORT_CANNOT_RUN_HERE} (a package it needs is missing).
 *
 * @example
 * ```ts
 * const py = await runPythonPort("04_shared_value.py", { args: ["--json", "--trials", "2"] });
 * if (py) console.log(py.json.sleep.finals);
 * ```
 * Warning: a port that fails (exit status not 0) throws, with the end of its stderr: a broken port
 * is a bug of the course, not something to skip.
 */
export async function runPythonPort(port: string, options: PythonPortOptions = {}): Promise<PythonRun | null> {
  if (typeof port !== "string" || !/^\d\d_[a-z0-9_]+\.py$/.test(port)) {
    throw new RaceLabArgumentError("port", 'the file name of a Python port, like "04_shared_value.py"', port);
  }
  if (typeof options !== "object" || options === null)
    throw new RaceLabArgumentError("options", "an object { args?, timeoutMs? }", options);
  const args = options.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw new RaceLabArgumentError("options.args", "an array of strings", options.args);
  }
  const timeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs, 60_000);
  const interpreter = await findPython();
  const folder = portsFolder();
  const file = folder && path.join(folder, port);
  if (!interpreter || !file || !fs.existsSync(file)) {
    showText(
      !interpreter
        ? "No python3 here: the Python comparison is skipped. The TypeScript results above stand on their own."
        : `No python/${port} found: the Python comparison is skipped.`,
    );
    return null;
  }
  const started = Date.now();
  const result = await runPython(interpreter.executable, [file, ...args], timeoutMs);
  const ms = Date.now() - started;
  if (result.code === PORT_CANNOT_RUN_HERE) {
    const why = result.stderr.trim().split("\n").pop() ?? "";
    showText(`No Python comparison: python/${port} cannot run here (${why}).`);
    return null;
  }
  if (result.code !== 0) {
    // Ended without a status: its timeout, or the kernel's interrupt (the reason ends its stderr).
    throw new Error(`python/${port} failed (exit status ${result.code ?? "none"}):\n${result.stderr.slice(-2000)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = undefined;
  }
  return { python: interpreter.version, port: file, stdout: result.stdout, stderr: result.stderr, ms, json };
}

/**
 * Runs a Python port in its `--json` mode and shows a table of its results beside ours: `rows`
 * gets the port's JSON and returns the table's rows. Returns the run (null without Python).
 *
 * @example
 * ```ts
 * await showBesidePython("01_race_conditions.py", (py) => [
 *   { version: "no lock", Python: py.unsafe.value, TypeScript: unsafeReport.rows[0].observed },
 *   { version: "with lock", Python: py.safe.value, TypeScript: safeReport.rows[0].observed },
 * ], { title: "the fake database in Python and TypeScript" });
 * ```
 * Warning: resolves to null (after a note) when python3 or the port is missing; a port that fails, or prints no JSON,
 * throws a plain Error.
 */
export async function showBesidePython(
  port: string,
  rows: (py: any) => Record<string, unknown>[],
  options: PythonPortOptions & { title?: string } = {},
): Promise<PythonRun | null> {
  if (typeof rows !== "function") throw new RaceLabArgumentError("rows", "a function (the port's JSON) => table rows", rows);
  const { title, ...portOptions } = options ?? {};
  const args = portOptions.args ?? [];
  const py = await runPythonPort(port, { ...portOptions, args: args.includes("--json") ? args : ["--json", ...args] });
  if (py === null) return null;
  if (py.json === undefined) throw new Error(`python/${port} --json printed no JSON:\n${py.stdout.slice(0, 500)}`);
  showText(`${py.python} ran python/${port} in ${py.ms} ms`);
  showTable(rows(py.json), { title: title ?? `python/${port} and TypeScript` });
  return py;
}
