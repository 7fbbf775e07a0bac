// Hermitage's PostgreSQL tests (github.com/ept/hermitage, postgres.md), as explorations: the same
// table and rows, the same transactions (a few shortened so every interleaving fits in seconds: a
// writer of two rows writes both in one statement where only its commit matters), and a check that
// says what the anomaly would look like — the comment Hermitage writes beside its SQL, as code.

import { RaceLabArgumentError } from "../core/errors";
import { exploreTransactions, type LevelSummary, type TransactionsReport } from "./explore-transactions";
import type { CheckInput, IsolationLevel, TransactionsOptions } from "./options";
import type { Row, Statement } from "./statements";

/**
 * One of Hermitage's tests: its anomaly's name, what it shows, and the options to explore it.
 *
 * @example
 * ```ts
 * const p4 = HERMITAGE_TESTS.find((t) => t.id === "P4")!;
 * const report = await exploreTransactions({ ...p4.options, levels: ["READ COMMITTED"] });
 * ```
 * Warning: some transactions are shortened from Hermitage's (see HERMITAGE_TESTS): compare marks, not SQL.
 */
export interface HermitageTest {
  id: string;
  title: string;
  /** What the check looks for, in words. */
  anomaly: string;
  /**
   * The options to explore it. Each transaction is a plain list of statements, so that a lesson can
   * take one apart: `p4.options.transactions[0][1]` is the first transaction's write.
   */
  options: Omit<TransactionsOptions, "levels" | "transactions"> & { transactions: Statement[][] };
}

const SETUP = ["CREATE TABLE test (id int PRIMARY KEY, value int)", "INSERT INTO test (id, value) VALUES (1, 10), (2, 20)"];

const committed = (run: CheckInput, ...names: string[]) =>
  names.every((n) => run.transactions.find((t) => t.name === n)?.status === "committed");
/** The rows statement `k` of transaction `name` returned (empty if it did not run). */
const rows = (run: CheckInput, name: string, k: number): Row[] => run.transactions.find((t) => t.name === name)?.results[k] ?? [];
const valueOf = (list: Row[], id: number) => list.find((r) => r.id === id)?.value;
const saw = (run: CheckInput, name: string, value: number) =>
  run.transactions.find((t) => t.name === name)!.results.some((r) => r?.some((row) => row.value === value));
const finalState = (run: CheckInput) => JSON.stringify(run.state.test.map((r) => [r.id, r.value]));
const readIncrement = { sql: "UPDATE test SET value = $1 WHERE id = 1", params: (r: Row[][]) => [Number(r[0][0].value) + 1] };

/**
 * Hermitage's PostgreSQL test list — G0, G1a, G1b, G1c, OTV, PMP, PMP-write, P4, G-single,
 * G2-item, G2 — each as the options of {@link exploreTransactions}, with a check that fails exactly
 * when the anomaly shows.
 *
 * @example
 * ```ts
 * for (const t of HERMITAGE_TESTS) console.log(t.id, (await exploreTransactions({ ...t.options, levels: ["SERIALIZABLE"] })).levels.SERIALIZABLE?.verdict);
 * ```
 * Warning: OTV has three transactions (about a hundred interleavings per level); the others two.
 */
export const HERMITAGE_TESTS: HermitageTest[] = [
  {
    id: "G0",
    title: "Write cycles (dirty writes)",
    anomaly: "both commit, and row 1 keeps one transaction's write while row 2 keeps the other's",
    options: {
      setup: SETUP,
      transactions: [
        ["UPDATE test SET value = 11 WHERE id = 1", "UPDATE test SET value = 21 WHERE id = 2"],
        ["UPDATE test SET value = 12 WHERE id = 1", "UPDATE test SET value = 22 WHERE id = 2"],
      ],
      check: (run) => !committed(run, "T1", "T2") || ["[[1,11],[2,21]]", "[[1,12],[2,22]]"].includes(finalState(run)),
    },
  },
  {
    id: "G1a",
    title: "Aborted reads (dirty reads)",
    anomaly: "T2 sees 101, written by T1, which rolls back",
    options: {
      setup: SETUP,
      transactions: [
        ["UPDATE test SET value = 101 WHERE id = 1", "ROLLBACK"],
        ["SELECT * FROM test", "SELECT * FROM test"],
      ],
      check: (run) => !saw(run, "T2", 101),
    },
  },
  {
    id: "G1b",
    title: "Intermediate reads (dirty reads)",
    anomaly: "T2 sees 101, a value T1 overwrites before it commits",
    options: {
      setup: SETUP,
      transactions: [
        ["UPDATE test SET value = 101 WHERE id = 1", "UPDATE test SET value = 11 WHERE id = 1"],
        ["SELECT * FROM test", "SELECT * FROM test"],
      ],
      check: (run) => !saw(run, "T2", 101),
    },
  },
  {
    id: "G1c",
    title: "Circular information flow (dirty reads)",
    anomaly: "each transaction sees the other's write",
    options: {
      setup: SETUP,
      transactions: [
        ["UPDATE test SET value = 11 WHERE id = 1", "SELECT * FROM test WHERE id = 2"],
        ["UPDATE test SET value = 22 WHERE id = 2", "SELECT * FROM test WHERE id = 1"],
      ],
      check: (run) => !(valueOf(rows(run, "T1", 1), 2) === 22 && valueOf(rows(run, "T2", 1), 1) === 11),
    },
  },
  {
    id: "OTV",
    title: "Observed transaction vanishes",
    anomaly: "T3 sees one writer's row 1, then row 2 as it was before that writer",
    options: {
      setup: SETUP,
      transactions: [
        ["UPDATE test SET value = CASE id WHEN 1 THEN 11 ELSE 19 END"],
        ["UPDATE test SET value = CASE id WHEN 1 THEN 12 ELSE 18 END"],
        ["SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2"],
      ],
      check: (run) => {
        // Each version's place in its row's history: the setup's first, then the writers in commit order (the last one's values are left).
        const lastIsT2 = valueOf(run.state.test, 1) === 12;
        const place: Record<number, number> = {
          10: 0,
          20: 0,
          11: lastIsT2 ? 1 : 2,
          19: lastIsT2 ? 1 : 2,
          12: lastIsT2 ? 2 : 1,
          18: lastIsT2 ? 2 : 1,
        };
        const x = valueOf(rows(run, "T3", 0), 1) as number,
          y = valueOf(rows(run, "T3", 1), 2) as number;
        return place[y] >= place[x]; // having seen a writer's row 1, row 2 is that writer's or later
      },
    },
  },
  {
    id: "PMP",
    title: "Predicate-many-preceders",
    anomaly: "T1's first predicate read misses T2's insert, its second sees it",
    options: {
      setup: SETUP,
      transactions: [
        ["SELECT * FROM test WHERE value = 30", "SELECT * FROM test WHERE value % 3 = 0"],
        ["INSERT INTO test (id, value) VALUES (3, 30)"],
      ],
      check: (run) => !(rows(run, "T1", 0).length === 0 && valueOf(rows(run, "T1", 1), 3) === 30),
    },
  },
  {
    id: "PMP-write",
    title: "Predicate-many-preceders, write predicates",
    anomaly: "both commit, and the rows left are no serial order's: T2's delete missed the row that T1 made 20",
    options: {
      setup: SETUP,
      transactions: [["UPDATE test SET value = value + 10"], ["DELETE FROM test WHERE value = 20"]],
      check: (run) => !committed(run, "T1", "T2") || ["[[2,30]]", "[[1,20]]"].includes(finalState(run)),
    },
  },
  {
    id: "P4",
    title: "Lost update",
    anomaly: "both read 10 and write what they read + 1: one increment is lost",
    options: {
      setup: SETUP,
      transactions: [
        ["SELECT * FROM test WHERE id = 1", readIncrement],
        ["SELECT * FROM test WHERE id = 1", readIncrement],
      ],
      check: (run) => !committed(run, "T1", "T2") || run.state.test.find((r) => r.id === 1)?.value === 12,
    },
  },
  {
    id: "G-single",
    title: "Single anti-dependency cycles (read skew)",
    anomaly: "T1 reads row 1 before T2's change and row 2 after it",
    options: {
      setup: SETUP,
      transactions: [
        ["SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2"],
        ["UPDATE test SET value = 12 WHERE id = 1", "UPDATE test SET value = 18 WHERE id = 2"],
      ],
      check: (run) => {
        const pair = `${valueOf(rows(run, "T1", 0), 1)},${valueOf(rows(run, "T1", 1), 2)}`;
        return pair === "10,20" || pair === "12,18";
      },
    },
  },
  {
    id: "G2-item",
    title: "Item anti-dependency cycles (write skew)",
    anomaly: "both commit, and neither saw the other's write",
    options: {
      setup: SETUP,
      transactions: [
        ["SELECT * FROM test WHERE id IN (1, 2)", "UPDATE test SET value = 11 WHERE id = 1"],
        ["SELECT * FROM test WHERE id IN (1, 2)", "UPDATE test SET value = 21 WHERE id = 2"],
      ],
      check: (run) => !(committed(run, "T1", "T2") && valueOf(rows(run, "T1", 0), 2) === 20 && valueOf(rows(run, "T2", 0), 1) === 10),
    },
  },
  {
    id: "G2",
    title: "Anti-dependency cycles (write skew on a predicate)",
    anomaly: "both commit, and neither's predicate read saw the other's insert",
    options: {
      setup: SETUP,
      transactions: [
        ["SELECT * FROM test WHERE value % 3 = 0", "INSERT INTO test (id, value) VALUES (3, 30)"],
        ["SELECT * FROM test WHERE value % 3 = 0", "INSERT INTO test (id, value) VALUES (4, 42)"],
      ],
      check: (run) =>
        !(committed(run, "T1", "T2") && valueOf(rows(run, "T1", 0), 4) === undefined && valueOf(rows(run, "T2", 0), 3) === undefined),
    },
  },
];

/**
 * How Hermitage marks a cell: ✓ when the level prevents the anomaly (it never showed, whether by
 * blocking, aborting or snapshots), — when it does not.
 *
 * @example
 * ```ts
 * hermitageMark("aborts"); // "✓"
 * ```
 * Warning: ✓ hides how a level prevents an anomaly (blocking, aborting or snapshots): keep the verdict beside it.
 */
export function hermitageMark(verdict: "anomaly" | "aborts" | "blocks" | "prevented"): "✓" | "—" {
  return verdict === "anomaly" ? "—" : "✓";
}

/**
 * The levels of Hermitage's PostgreSQL column, in its order.
 *
 * @example
 * ```ts
 * HERMITAGE_LEVELS.map((level) => hermitageMark(row.verdicts[level]!)).join(" ");
 * ```
 * Warning: READ UNCOMMITTED is left out: PostgreSQL runs it as READ COMMITTED.
 */
export const HERMITAGE_LEVELS: IsolationLevel[] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

/**
 * One row of the live Hermitage table: a test, and each level's verdict (with the report behind it).
 *
 * @example
 * ```ts
 * const row: HermitageRow = { test: "P4", verdicts: { "READ COMMITTED": "anomaly" }, reports: {} };
 * ```
 * Warning: each level's report is the same object (one exploration per test): filter its interleavings by level.
 */
export interface HermitageRow {
  test: string;
  verdicts: Partial<Record<IsolationLevel, LevelSummary["verdict"]>>;
  reports: Partial<Record<IsolationLevel, TransactionsReport>>;
}

/**
 * Explores Hermitage's tests (all, or those named in `ids`) at each level (default: READ COMMITTED,
 * REPEATABLE READ, SERIALIZABLE) and returns one row per test. Each test is explored once for all
 * the levels (one set of connections).
 *
 * @example
 * ```ts
 * const rows = await exploreHermitage({ ids: ["P4", "G2-item"] });
 * showTable(rows.map((r) => ({ test: r.test, ...r.verdicts })));
 * ```
 * Warning: the whole list is about 800 interleavings: seconds to tens of seconds on a small machine.
 */
export async function exploreHermitage(
  options: { ids?: string[]; levels?: IsolationLevel[]; timeoutMs?: number } = {},
): Promise<HermitageRow[]> {
  if (typeof options !== "object" || options === null)
    throw new RaceLabArgumentError("options", "an object like { ids?, levels?, timeoutMs? }", options);
  const known = HERMITAGE_TESTS.map((t) => t.id);
  const ids = options.ids ?? known;
  if (!Array.isArray(ids) || ids.some((id) => !known.includes(id)))
    throw new RaceLabArgumentError("options.ids", `a list of Hermitage test names from ${known.join(", ")}`, options.ids);
  const levels = options.levels ?? HERMITAGE_LEVELS;
  const rows: HermitageRow[] = [];
  for (const test of HERMITAGE_TESTS.filter((t) => ids.includes(t.id))) {
    const report = await exploreTransactions({ ...test.options, levels, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
    const row: HermitageRow = { test: test.id, verdicts: {}, reports: {} };
    for (const level of levels) {
      row.verdicts[level] = report.levels[level]!.verdict;
      row.reports[level] = report;
    }
    rows.push(row);
  }
  return rows;
}
