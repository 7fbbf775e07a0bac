// The class's race statistics: when a class database is configured, each recorded outcome also goes
// to it, with an anonymous student id and what the machine is (cores, CPU, Node), so that a lesson
// can show "your machine against the class" and the instructor the whole class. Records are sent in
// the background, a moment after the last series of trials, all of them in one INSERT: no cell waits
// for the database. One that does not answer turns the sending off for this kernel; the next series
// of trials says so, once, and the lesson goes on.

import { machineInfo } from "../core/environment";
import { pg } from "../database/connect";
import type { OutcomeRecord } from "./outcomes";
import { currentLessonName, lessonNames } from "./lesson-aliases";
import { studentId } from "./student-id";

/** The variable that turns the class statistics off ("off"). */
export const CLASS_STATS_VARIABLE = "RACE_LAB_CLASS_STATS";

/** One outcome as the class database keeps it. */
export interface ClassRecord {
  student: string;
  lesson: string | null;
  demo: string;
  variant: string;
  trials: number;
  anomalies: number;
  cores: number;
  cpu: string;
  node: string;
}

type Pool = import("pg").Pool;

const TABLE = "race_lab_class.outcomes";
const pending: ClassRecord[] = [];
let pool: { url: string; pool: Pool } | null = null;
let ready: Promise<void> | null = null;
let off: string | null = null;
let unsaid: string | null = null;
let timer: NodeJS.Timeout | null = null;
let sending: Promise<unknown> = Promise.resolve();

/** How long after the last queued record the batch goes: series run back to back share one INSERT. */
const BATCH_AFTER_MS = 300;

/**
 * The class database's URL: `RACE_LAB_CLASS_DATABASE_URL`, else `DATABASE_URL` (a hub gives every
 * student the class's); null when neither is set or `RACE_LAB_CLASS_STATS=off`.
 *
 * @example
 * ```ts
 * classDatabaseUrl(); // "postgresql://class@db:5432/course" on a class hub
 * ```
 * Warning: the URL may carry a password: never show it.
 */
export function classDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env[CLASS_STATS_VARIABLE]?.trim().toLowerCase() === "off") return null;
  return env.RACE_LAB_CLASS_DATABASE_URL?.trim() || env.DATABASE_URL?.trim() || null;
}

/**
 * An outcome as the class keeps it: the student's anonymous id and this machine beside the counts.
 *
 * @example
 * ```ts
 * toClassRecord(outcome); // { student: "3f9a0c41d2e7", lesson: "04-shared-value", demo: …, cores: 2, … }
 * ```
 * Warning: it stamps the record with this machine (cores, CPU, Node) at the time of the call, whichever machine ran the
 * trials.
 */
export function toClassRecord(outcome: OutcomeRecord): ClassRecord {
  const machine = machineInfo();
  return {
    student: studentId(),
    lesson: outcome.notebook,
    demo: outcome.demo,
    variant: outcome.variant,
    trials: outcome.trials,
    anomalies: outcome.anomalies,
    cores: machine.cores,
    cpu: machine.cpuModel,
    node: machine.node,
  };
}

/**
 * Queues an outcome for the class database (nothing happens without one).
 *
 * @example
 * ```ts
 * queueClassRecord(outcome);
 * await sendClassRecords(); // after the series of trials
 * ```
 * Warning: sent later, in a batch, by a timer that does not keep a script alive: `await flushClassRecords()` before a
 * script ends. Does nothing once the class statistics are off.
 */
export function queueClassRecord(outcome: OutcomeRecord): void {
  if (classDatabaseUrl() === null || off !== null) return;
  pending.push(toClassRecord(outcome));
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void flushClassRecords(), BATCH_AFTER_MS);
  timer.unref(); // a script may end without waiting for the class's copy
}

/**
 * Sends what is queued now and waits for every send in flight (the class view calls it, so that the
 * student's latest trials are in it).
 *
 * @example
 * ```ts
 * await flushClassRecords();
 * ```
 * Warning: it never throws: a problem is kept for {@link takeClassProblem}.
 */
export async function flushClassRecords(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const next = sending.then(async () => {
    unsaid ??= await sendClassRecords();
  });
  sending = next;
  await next;
}

/**
 * The reason the class statistics went off, once: later calls return null.
 *
 * @example
 * ```ts
 * const problem = takeClassProblem();
 * if (problem) showText(problem);
 * ```
 * Warning: returns the reason once only: show it when you take it, for the next call gives null.
 */
export function takeClassProblem(): string | null {
  const problem = unsaid;
  unsaid = null;
  return problem;
}

/**
 * Sends what is queued, in one INSERT. Returns null when it was sent (or nothing was to be sent),
 * else the reason the class statistics are now off for this kernel — once; later calls return null.
 *
 * @internal
 *
 * @example
 * ```ts
 * const problem = await sendClassRecords();
 * if (problem) showText(problem);
 * ```
 * Warning: it waits at most `timeoutMs`; a slower database counts as one that did not answer.
 */
export async function sendClassRecords(timeoutMs = 30_000): Promise<string | null> {
  const url = classDatabaseUrl();
  if (url === null || off !== null || pending.length === 0) return null;
  const batch = pending.splice(0);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([insert(url, batch), late]);
    return null;
  } catch (e) {
    const why = (e as Error).message.slice(0, 60);
    off = `Class statistics are off for this kernel: the class database did not answer (${why}). Your results are shown here as always.`;
    void endPool();
    return off;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the class's records (of one lesson, or all); null when there is no class database.
 *
 * @example
 * ```ts
 * const rows = await readClassRecords({ lesson: "04-shared-value" });
 * ```
 * Warning: it reads the whole class's records of that lesson: fine for a class, not for a MOOC.
 */
export async function readClassRecords(filter: { lesson?: string } = {}): Promise<ClassRecord[] | null> {
  const url = classDatabaseUrl();
  if (url === null) return null;
  await flushClassRecords(); // this kernel's latest trials belong in what is read
  await tableReady(url);
  // Records sent under a lesson's old name (before the lessons were renumbered) count under its name now.
  const where = filter.lesson === undefined ? "" : "WHERE lesson = ANY($1)";
  const { rows } = await poolFor(url).query(
    `SELECT student, lesson, demo, variant, trials, anomalies, cores, cpu, node FROM ${TABLE} ${where}`,
    filter.lesson === undefined ? [] : [lessonNames(currentLessonName(filter.lesson))],
  );
  return (rows as ClassRecord[]).map((r) => ({ ...r, lesson: currentLessonName(r.lesson) }));
}

function poolFor(url: string): Pool {
  // One connection, closed when idle: the kernel can exit, and a class of students holds few.
  if (pool?.url !== url) {
    void endPool();
    const made = new (pg().Pool)({
      connectionString: url,
      max: 1,
      allowExitOnIdle: true,
      idleTimeoutMillis: 2000,
      connectionTimeoutMillis: 10_000,
      application_name: "race-lab-class-stats",
    });
    // An idle connection that the server drops (a restart, a class database shut down) must not
    // become an uncaught error that ends the student's kernel: the next query reconnects or says so.
    made.on("error", () => undefined);
    pool = { url, pool: made };
  }
  return pool.pool;
}

function tableReady(url: string): Promise<void> {
  ready ??= (async () => {
    const client = await poolFor(url).connect();
    try {
      // Students start at once: CREATE ... IF NOT EXISTS alone can still fail for all but one of
      // them (a unique violation in the catalog); one advisory lock makes the creation one at a time.
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext('race_lab_class'))");
      await client.query("CREATE SCHEMA IF NOT EXISTS race_lab_class");
      await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (at timestamptz NOT NULL DEFAULT now(), student text NOT NULL,
        lesson text, demo text NOT NULL, variant text NOT NULL, trials integer NOT NULL, anomalies integer NOT NULL,
        cores integer NOT NULL, cpu text NOT NULL, node text NOT NULL)`);
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      ready = null;
      throw e;
    } finally {
      client.release();
    }
  })();
  return ready;
}

async function insert(url: string, batch: ClassRecord[]): Promise<void> {
  await tableReady(url);
  const columns = ["student", "lesson", "demo", "variant", "trials", "anomalies", "cores", "cpu", "node"] as const;
  const types = ["text", "text", "text", "text", "int", "int", "int", "text", "text"];
  const arrays = columns.map((c) => batch.map((r) => r[c]));
  await poolFor(url).query(
    `INSERT INTO ${TABLE} (${columns.join(", ")}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`,
    arrays,
  );
}

async function endPool(): Promise<void> {
  const p = pool;
  pool = null;
  ready = null;
  await p?.pool.end().catch(() => undefined);
}

/**
 * Forgets the kernel's state of the class statistics (tests, and a changed environment).
 *
 * @internal
 * @example
 * ```ts
 * await resetClassRecords();
 * ```
 */
export async function resetClassRecords(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  pending.length = 0;
  off = null;
  unsaid = null;
  await endPool();
}
