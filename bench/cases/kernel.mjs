// kernel-start and lesson-NN: what a student waits for in Jupyter. A real tslab kernel driven by
// jupyter_client (bench/python/kernel_start.py) from start to the first cell's output, then a
// lesson's first import cell; beside it Python's own ipykernel doing the same. Each lesson notebook
// runs, all cells, through the notebook harness (scripts/run-notebooks.mjs, a fresh kernel per
// notebook), beside its Python port (python/NN_*.py --json).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JUPYTER_PYTHON, PYTHON, ROOT, Unavailable, raceLab, runCommand, timed, usefulLine } from "../lib.mjs";

const { readOutcomes } = raceLab;
const NOTEBOOKS = path.join(ROOT, "instructor"); // the lessons with their solutions: every exercise runs

/** The code of a notebook's first code cell (a lesson's imports). */
function firstCodeCell(notebook) {
  const nb = JSON.parse(fs.readFileSync(notebook, "utf8"));
  const cell = nb.cells.find((c) => c.cell_type === "code");
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

async function kernelTimes(kernel, firstOutput, firstImport, reps) {
  const args = [
    path.join(ROOT, "bench", "python", "kernel_start.py"),
    "--kernel",
    kernel,
    "--reps",
    String(reps),
    "--cwd",
    NOTEBOOKS,
    "--first-output",
    firstOutput,
    "--first-import",
    firstImport,
  ];
  return JSON.parse(await runCommand(JUPYTER_PYTHON, args, { timeoutMs: 120_000 * reps })).variants;
}

// The lesson whose first import is timed: 04 (Value, locks, threads, charts, zx) when present.
function importLesson() {
  const files = fs.readdirSync(NOTEBOOKS).filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.startsWith("00"));
  return files.find((f) => f.startsWith("04")) ?? files[0];
}

const kernelStart = {
  name: "kernel-start",
  title: "a fresh kernel: start to the first cell's output, then a lesson's first import cell (tslab vs ipykernel)",
  reps: { full: 3, quick: 1 },
  heavy: true,
  rows: [
    { variant: "start → kernel ready", ts: "ready", py: "ready", kind: "cost", unit: "ms" },
    { variant: "start → first cell's output", ts: "first output", py: "first output", kind: "cost", unit: "ms", bar: "kernel-start" },
    {
      variant: "first import cell (lesson 04 vs import multiprocessing)",
      ts: "first import",
      py: "first import",
      kind: "cost",
      unit: "ms",
    },
  ],
  ts: ({ reps }) => kernelTimes("tslab", 'console.log("ready")', firstCodeCell(path.join(NOTEBOOKS, importLesson())), reps),
  py: ({ reps }) => kernelTimes("python3", 'print("ready")', "import multiprocessing, threading, fcntl", reps),
};

/** The harness on one notebook: seconds, pass/fail, and what its runTrials recorded. */
async function runLesson(notebook) {
  const outcomes = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-bench-")), "outcomes.jsonl");
  try {
    let output;
    let failed = false;
    try {
      output = await runCommand(process.execPath, [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-git-check", notebook], {
        env: { ...process.env, RACE_LAB_OUTCOMES: outcomes },
        timeoutMs: 300_000,
      });
    } catch (error) {
      // The harness exits 1 on a failed notebook; its report is on its stdout, kept in the error.
      output = `${error.stdout ?? ""}\n${error.message}`;
      failed = true;
    }
    const m = /(PASS|FAIL) [^\n]*: (\d+) cells, (\d+) failures, ([\d.]+) s/.exec(output);
    if (!m) throw new Error(`the harness printed no result for ${notebook}: ${output.slice(-500)}`);
    const records = fs.existsSync(outcomes) ? readOutcomes(outcomes) : [];
    // The harness's cell times (what a student waits for): median, 90th percentile, slowest, and the cells over its limit.
    const t =
      /cell times: median ([\d.]+) s, 90th percentile ([\d.]+) s, slowest ([\d.]+) s \((cell \d+)[^\n]*?(, slow-by-design)?\); limit/.exec(
        output,
      );
    const cellTimes = t
      ? {
          median: Number(t[1]),
          p90: Number(t[2]),
          slowest: Number(t[3]),
          slowestCell: t[4],
          slowestTagged: Boolean(t[5]),
          overLimit: (output.match(/over the [\d.]+ s limit for a cell/g) ?? []).length,
          total: Number(/; all cells ([\d.]+) s/.exec(output)?.[1] ?? NaN),
        }
      : null;
    // The kernel's memory just before it shut down (the harness reads /proc): what one open lesson holds.
    const k = /kernel memory: resident ([\d.]+) MiB, peak ([\d.]+) MiB, its processes ([\d.]+) MiB/.exec(output);
    const memory = k ? { residentMiB: Number(k[1]), peakMiB: Number(k[2]), childrenMiB: Number(k[3]) } : null;
    return {
      ms: Number(m[4]) * 1000,
      passed: m[1] === "PASS" && !failed,
      cells: Number(m[2]),
      failures: Number(m[3]),
      records,
      cellTimes,
      memory,
      report: output.trim().split("\n").slice(-6).join("\n"),
    };
  } finally {
    fs.rmSync(path.dirname(outcomes), { recursive: true, force: true });
  }
}

/**
 * A port that cannot run on this machine, as opposed to one that failed: status 3 is the ports'
 * "an optional package is missing" (python/README.md), and a port that needs arguments beyond
 * --json (lesson 12's --url and --schema of the database its lesson starts) cannot run on its own.
 */
export function portUnavailable(port, error) {
  const line = usefulLine(error.stderr ?? "");
  if (error.code === 3) return new Unavailable(`python/${port} cannot run here: ${line}`);
  if (error.code === 2 && /arguments are required/.test(line))
    return new Unavailable(`python/${port} needs what its lesson passes: ${line.replace(/^.*error: /, "")}`);
  return null;
}

/** One case per lesson notebook present (instructor/NN-*.ipynb); its Python port when there is one. */
function lessonCases() {
  const files = fs.existsSync(NOTEBOOKS)
    ? fs
        .readdirSync(NOTEBOOKS)
        .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
        .sort()
    : [];
  return files.map((file) => {
    const nn = file.slice(0, 2);
    const port = fs.readdirSync(path.join(ROOT, "python")).find((f) => f.startsWith(`${nn}_`) && f.endsWith(".py"));
    return {
      name: `lesson-${nn}`,
      title: `${file}, all cells, through the headless harness${port ? ` (Python: python/${port} --json)` : ""}`,
      reps: { full: 1, quick: 1 },
      heavy: true,
      lesson: true,
      rows: [{ variant: file.replace(/\.ipynb$/, ""), ts: "notebook", py: port ? "port" : null, kind: "cost", unit: "ms", bar: "lesson" }],
      ts: async () => {
        const r = await runLesson(path.join(NOTEBOOKS, file));
        return {
          notebook: [{ ms: r.ms, passed: r.passed, records: r.records, cellTimes: r.cellTimes, memory: r.memory, report: r.report }],
        };
      },
      py: async () => {
        if (!port) return {};
        try {
          const { ms } = await timed(() => runCommand(PYTHON, [path.join(ROOT, "python", port), "--json"], { timeoutMs: 300_000 }));
          return { port: [{ ms }] };
        } catch (error) {
          throw portUnavailable(port, error) ?? error;
        }
      },
    };
  });
}

export default [kernelStart, ...lessonCases()];
