// What the class's statistics look like in a notebook: "your machine against the class" in a lesson
// (each demo's anomaly rate for this student beside the class's spread), and the instructor's view of
// the whole class. Without a class database both read this machine's own records.

import { CHART_COLORS } from "../display/chart";
import { showText } from "../display/display";
import { showChart } from "../display/show-chart";
import { showTable } from "../display/show-table";
import { checkOptions, checkText } from "../core/validate";
import { readClassRecords, toClassRecord, type ClassRecord } from "./class-records";
import { notRunYet, summarizeClass, type DemoAcrossClass } from "./class-summary";
import { outcomesFile, readOutcomes, sessionOutcomes } from "./outcomes";
import { studentId } from "./student-id";

const pct = (rate: number | null) => (rate === null || Number.isNaN(rate) ? "—" : `${Math.round(rate * 100)}%`);

/**
 * The class's records (of `options.lesson` when given), or this machine's own when there is no class
 * database. `options` is checked here: it comes straight from a notebook cell.
 */
async function records(options: unknown): Promise<{ rows: ClassRecord[]; fromClass: boolean }> {
  const { lesson } = checkOptions<{ lesson?: string }>("options", options, "{ lesson }", ["lesson"]);
  if (lesson !== undefined) checkText("options.lesson", lesson);
  try {
    const fromClass = await readClassRecords(lesson === undefined ? {} : { lesson });
    if (fromClass !== null) return { rows: fromClass, fromClass: true };
  } catch (e) {
    // A class database that is down never breaks the lesson: this machine's records still show.
    showText(`The class database did not answer (${(e as Error).message.slice(0, 60)}): showing this machine's own records.`);
  }
  const file = outcomesFile();
  const local = file === null ? sessionOutcomes() : readOutcomesIfThere(file);
  const rows = local.map(toClassRecord).filter((r) => lesson === undefined || r.lesson === lesson);
  return { rows, fromClass: false };
}

function readOutcomesIfThere(file: string) {
  try {
    return readOutcomes(file);
  } catch {
    return sessionOutcomes();
  }
}

/**
 * A demo's label on a chart's axis: its number in the table beside the chart, and the first words of
 * its name up to about 28 characters (whole words: the table has the whole name).
 */
function short(name: string, index: number): string {
  let label = "";
  for (const word of name.split(" ")) {
    if (label && label.length + word.length >= 28) break;
    label += (label ? " " : "") + word;
  }
  return `${index + 1}. ${label}`;
}

const byCores = (d: DemoAcrossClass) =>
  d.byCores.map((c) => `${c.cores} core${c.cores === 1 ? "" : "s"}: ${pct(c.median)} (${c.students})`).join(" · ");

/**
 * Each demo a row: a grey circle per rate that students had, as large as how many had it, and this
 * student's rate as a diamond (colour and shape both tell them apart).
 */
function stripSpec(demos: DemoAcrossClass[], title: string) {
  const values = demos.flatMap((d, i) => {
    const counts = new Map<number, number>();
    for (const rate of d.rates) counts.set(rate, (counts.get(rate) ?? 0) + 1);
    return [
      ...[...counts].map(([rate, students]) => ({ demo: short(d.demo, i), rate, students, who: "students of the class" })),
      ...(d.mine === null ? [] : [{ demo: short(d.demo, i), rate: d.mine, students: 1, who: "you" }]),
    ];
  });
  const mine = demos.filter((d) => d.mine !== null).map((d) => `${d.demo}: you ${pct(d.mine)}, class median ${pct(d.median)}`);
  const who = ["students of the class", "you"];
  const x = {
    field: "rate",
    type: "quantitative",
    title: "trials that showed the anomaly",
    scale: { domain: [0, 1] },
    axis: { format: "%" },
  };
  return {
    description: `${title}. ${mine.length ? mine.join("; ") : "You have no records of these demos yet"}.`,
    title,
    width: 360,
    height: { step: 34 },
    data: { values },
    encoding: { y: { field: "demo", type: "nominal", title: null, sort: null } },
    layer: [
      {
        transform: [{ filter: "datum.who !== 'you'" }],
        mark: { type: "circle", opacity: 0.55, color: CHART_COLORS.measure },
        encoding: { x, size: { field: "students", type: "quantitative", title: "students", scale: { range: [30, 600] }, legend: null } },
      },
      {
        mark: { type: "point", filled: true, size: 160, opacity: 1 },
        encoding: {
          x,
          color: {
            field: "who",
            type: "nominal",
            title: null,
            scale: { domain: who, range: [CHART_COLORS.measure, CHART_COLORS.anomaly] },
            legend: { orient: "bottom" },
          },
          shape: { field: "who", type: "nominal", title: null, scale: { domain: who, range: ["circle", "diamond"] } },
          opacity: { condition: { test: "datum.who === 'you'", value: 1 }, value: 0 },
        },
      },
    ],
  };
}

/** Each demo a line over the middle half of the students' rates, with a mark at the median. */
function spreadSpec(demos: DemoAcrossClass[], title: string) {
  const values = demos.map((d, i) => ({
    demo: short(d.lesson ? `${d.lesson.slice(0, 2)} · ${d.demo}` : d.demo, i),
    low: d.middle[0],
    high: d.middle[1],
    median: d.median,
    students: d.students,
  }));
  const y = { field: "demo", type: "nominal", title: null, sort: null };
  return {
    description: `${title}: ${demos.map((d) => `${d.demo} median ${pct(d.median)}`).join("; ")}.`,
    title,
    width: 360,
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: "rule", strokeWidth: 3, color: CHART_COLORS.measure },
        encoding: {
          x: {
            field: "low",
            type: "quantitative",
            title: "trials that showed the anomaly (median, middle half of the students)",
            scale: { domain: [0, 1] },
            axis: { format: "%" },
          },
          x2: { field: "high" },
        },
      },
      {
        mark: { type: "point", filled: true, shape: "diamond", size: 90, color: CHART_COLORS.anomaly },
        encoding: { x: { field: "median", type: "quantitative" } },
      },
    ],
  };
}

/**
 * Shows each demo's anomaly rate on this machine beside the class's: the median, the middle half of
 * the students, the median by core count, and a chart with every student as a dot.
 *
 * @example
 * ```ts
 * await showClassComparison({ lesson: "04-shared-value" });
 * ```
 * Warning: without a class database (`DATABASE_URL` or `RACE_LAB_CLASS_DATABASE_URL`) it shows this
 * machine's own records only, and says so.
 */
export async function showClassComparison(options: { lesson?: string } = {}): Promise<void> {
  const { rows, fromClass } = await records(options);
  const demos = summarizeClass(rows, studentId());
  if (!fromClass)
    showText("This is your machine's own record; with a class database (on a class hub) the class's spread appears beside it.");
  if (demos.length === 0) return showText("No trials recorded yet: run the lesson's trials first.");
  showTable(
    demos.map((d, i) => ({
      "#": i + 1,
      demo: d.demo,
      you: pct(d.mine),
      "class median": pct(d.median),
      "middle half": `${pct(d.middle[0])}–${pct(d.middle[1])}`,
      students: d.students,
      "by cores": byCores(d),
    })),
    { title: fromClass ? "your machine against the class" : "your machine" },
  );
  await showChart(
    stripSpec(demos, "each demo's anomaly rate per student (a dot's size: how many students)"),
    demos.map((d) => `${d.demo}: you ${pct(d.mine)}, class ${pct(d.median)}`).join("\n"),
  );
}

/**
 * The instructor's view of the whole class: every demo's spread of anomaly rates, the machines that
 * never showed a race most of the class saw, and who (by id) has not run which lesson.
 *
 * @example
 * ```ts
 * await showClassOverview();
 * ```
 * Warning: it reads every record of the class: with thousands of students, filter by lesson first.
 */
export async function showClassOverview(options: { lesson?: string } = {}): Promise<void> {
  const { rows, fromClass } = await records(options);
  if (!fromClass) showText("These are this machine's own records (no class database answered).");
  const demos = summarizeClass(rows);
  if (demos.length === 0) return showText("No records yet.");
  const students = new Set(rows.map((r) => r.student)).size;
  showTable(
    demos.map((d, i) => ({
      "#": i + 1,
      lesson: d.lesson ?? "",
      demo: d.demo,
      students: d.students,
      median: pct(d.median),
      "middle half": `${pct(d.middle[0])}–${pct(d.middle[1])}`,
      "by cores": byCores(d),
      "never raced here": d.neverRaced.map((n) => `${n.student} (${n.cores} core${n.cores === 1 ? "" : "s"})`).join(", "),
    })),
    { title: `the class: ${students} student${students === 1 ? "" : "s"}, ${rows.length} series of trials` },
  );
  // Every student as a dot would be thousands of marks for a whole course: the spread per demo instead.
  await showChart(
    spreadSpec(demos, "each demo across the class"),
    demos.map((d) => `${d.demo}: median ${pct(d.median)} of ${d.students}`).join("\n"),
  );
  const missing = notRunYet(rows).filter((m) => m.students.length > 0);
  showTable(
    missing.length
      ? missing.map((m) => ({ lesson: m.lesson, "not run yet (ids)": m.students.join(", "), students: m.students.length }))
      : [{ lesson: "every lesson", "not run yet (ids)": "everyone has run every lesson someone ran", students: 0 }],
    { title: "who has not run what" },
  );
}
