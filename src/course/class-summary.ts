// The numbers behind the class's race statistics: each student's anomaly rate per demo, the class's
// spread of those rates (median, middle half, by core count), the students whose machines never
// showed a race most of the class saw, and who has not run which lesson. Pure functions of records.

import type { ClassRecord } from "./class-records";

/** One demo (and variant) across the class. */
export interface DemoAcrossClass {
  lesson: string | null;
  /** "demo — variant". */
  demo: string;
  /** How many students ran it. */
  students: number;
  /** Each student's anomaly rate (anomalies ÷ trials, all their runs together), sorted. */
  rates: number[];
  median: number;
  /** The middle half of the students' rates: the 25th and 75th percentiles. */
  middle: [number, number];
  /** The median rate of the students with each core count. */
  byCores: { cores: number; students: number; median: number }[];
  /** This student's rate, when they ran it. */
  mine: number | null;
  /** Students whose machine never showed the anomaly although most of the class saw it. */
  neverRaced: { student: string; cores: number; cpu: string }[];
}

/** The value at fraction `q` of sorted numbers, interpolated between neighbours. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}

/**
 * The class's statistics per demo, in lesson order, with `me`'s own rate beside them.
 *
 * @example
 * ```ts
 * const demos = summarizeClass(await readClassRecords(), studentId());
 * demos[0].median; // 0.9: half the class saw the anomaly in 90% of their trials or more
 * ```
 * Warning: a student who ran a demo many times counts once (all their trials together).
 */
export function summarizeClass(records: ClassRecord[], me?: string): DemoAcrossClass[] {
  const groups = new Map<
    string,
    { lesson: string | null; demo: string; perStudent: Map<string, { trials: number; anomalies: number; cores: number; cpu: string }> }
  >();
  for (const r of records) {
    const key = `${r.lesson ?? ""}\0${r.demo}\0${r.variant}`;
    const group = groups.get(key) ?? { lesson: r.lesson, demo: `${r.demo} — ${r.variant}`, perStudent: new Map() };
    const s = group.perStudent.get(r.student) ?? { trials: 0, anomalies: 0, cores: r.cores, cpu: r.cpu };
    s.trials += r.trials;
    s.anomalies += r.anomalies;
    group.perStudent.set(r.student, s);
    groups.set(key, group);
  }
  const out: DemoAcrossClass[] = [];
  for (const g of groups.values()) {
    const students = [...g.perStudent.entries()].map(([student, s]) => ({
      student,
      rate: s.trials ? s.anomalies / s.trials : 0,
      cores: s.cores,
      cpu: s.cpu,
    }));
    const rates = students.map((s) => s.rate).sort((a, b) => a - b);
    const median = quantile(rates, 0.5);
    const coreCounts = [...new Set(students.map((s) => s.cores))].sort((a, b) => a - b);
    out.push({
      lesson: g.lesson,
      demo: g.demo,
      students: students.length,
      rates,
      median,
      middle: [quantile(rates, 0.25), quantile(rates, 0.75)],
      byCores: coreCounts.map((cores) => {
        const these = students
          .filter((s) => s.cores === cores)
          .map((s) => s.rate)
          .sort((a, b) => a - b);
        return { cores, students: these.length, median: quantile(these, 0.5) };
      }),
      mine: me === undefined ? null : (students.find((s) => s.student === me)?.rate ?? null),
      neverRaced: median >= 0.5 ? students.filter((s) => s.rate === 0).map(({ student, cores, cpu }) => ({ student, cores, cpu })) : [],
    });
  }
  return out.sort((a, b) => (a.lesson ?? "").localeCompare(b.lesson ?? "") || a.demo.localeCompare(b.demo));
}

/**
 * For each lesson some student ran, the students (by id) who have not run it yet.
 *
 * @example
 * ```ts
 * notRunYet(records); // [{ lesson: "04-shared-value", students: ["3f9a0c41d2e7"] }, …]
 * ```
 * Warning: knows only the students and lessons present in `records`: a student with no record at all is in no list.
 */
export function notRunYet(records: ClassRecord[]): { lesson: string; students: string[] }[] {
  const everyone = [...new Set(records.map((r) => r.student))].sort();
  const lessons = [...new Set(records.map((r) => r.lesson).filter((l): l is string => l !== null))].sort();
  return lessons.map((lesson) => {
    const ran = new Set(records.filter((r) => r.lesson === lesson).map((r) => r.student));
    return { lesson, students: everyone.filter((s) => !ran.has(s)) };
  });
}
