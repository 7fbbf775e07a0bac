/**
 * Recorded outcomes: when the environment variable `RACE_LAB_OUTCOMES` names a file, every
 * `runTrials` appends one JSON line describing what it observed. Instructors (and the course's own
 * checks) read the file to see which demos actually showed their race on a given machine.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { RaceLabArgumentError } from "../core/errors";
import { currentLessonName } from "./lesson-aliases";

/** One line of the outcomes file. */
export interface OutcomeRecord {
  /** The lesson set by `setLesson`, or null when none was set. */
  notebook: string | null;
  demo: string;
  variant: string;
  trials: number;
  /** How many trials showed the anomaly. */
  anomalies: number;
  expected: number;
  /** The observed value of each trial, in trial order. */
  observed: number[];
  /** Total time of all trials, in milliseconds. */
  ms: number;
}

const session: OutcomeRecord[] = [];

/**
 * The outcomes this kernel recorded so far (whether or not a file records them too).
 *
 * @example
 * ```ts
 * sessionOutcomes().filter((o) => o.variant === "unsafe");
 * ```
 * Warning: this kernel's records only, lost on restart: for a class's, read the file with {@link readOutcomes}.
 */
export function sessionOutcomes(): OutcomeRecord[] {
  return [...session];
}

/**
 * The outcomes file named by `RACE_LAB_OUTCOMES`, or null when recording is off.
 *
 * @example
 * ```ts
 * outcomesFile(); // "/tmp/outcomes.jsonl" when the kernel was started with RACE_LAB_OUTCOMES=/tmp/outcomes.jsonl
 * ```
 * Warning: it only names the file: the file need not exist or be writable (recording then throws when it appends).
 */
export function outcomesFile(): string | null {
  const file = process.env.RACE_LAB_OUTCOMES;
  return typeof file === "string" && file.trim() !== "" ? file : null;
}

/**
 * Records one outcome: in this kernel's list, and appended to the outcomes file if recording is on.
 * Returns whether a line was written.
 *
 * @example
 * ```ts
 * recordOutcome({ notebook: "01", demo: "counter", variant: "unsafe", trials: 1, anomalies: 1, expected: 2, observed: [1], ms: 3 });
 * ```
 * Warning: one `appendFileSync` per record: each line is written with a single O_APPEND write, so
 * lines from several kernels writing the same file do not interleave (on a local file system).
 */
export function recordOutcome(record: OutcomeRecord): boolean {
  if (typeof record !== "object" || record === null) {
    throw new RaceLabArgumentError("record", "an outcome record object", record);
  }
  const line: OutcomeRecord = {
    notebook: record.notebook,
    demo: record.demo,
    variant: record.variant,
    trials: record.trials,
    anomalies: record.anomalies,
    expected: record.expected,
    observed: record.observed,
    ms: record.ms,
  };
  session.push(line);
  const file = outcomesFile();
  if (file === null) return false;
  appendFileSync(file, JSON.stringify(line) + "\n", "utf8");
  return true;
}

/**
 * Reads an outcomes file: one record per non-empty line. A line that is not valid JSON throws, naming
 * the file and line number.
 *
 * @example
 * ```ts
 * const unsafe = readOutcomes("/tmp/outcomes.jsonl").filter((o) => o.variant === "unsafe");
 * ```
 * Warning: reads the whole file at once and does not check each record's fields; a missing file throws ENOENT.
 */
export function readOutcomes(file: string): OutcomeRecord[] {
  if (typeof file !== "string" || file === "") throw new RaceLabArgumentError("file", "a file path", file);
  const text = readFileSync(file, "utf8");
  const out: OutcomeRecord[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      const record = JSON.parse(line) as OutcomeRecord;
      out.push({ ...record, notebook: currentLessonName(record.notebook ?? null) }); // old lesson names read as the new
    } catch (e) {
      throw new Error(`${file}:${i + 1} is not a JSON outcome line: ${(e as Error).message}`);
    }
  });
  return out;
}
