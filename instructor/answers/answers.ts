// The answers a student is likely to write for each exercise, beside the reference solution in the
// lesson: wrong ones the exercise's check (hidden tests included) must reject every time, and other
// correct forms it must accept. test/course/exercise-answers.test.ts runs every one of them in a real
// kernel after the lesson: a check that lets a wrong answer through, or turns a right one away, fails it.

/** One answer: the whole solution cell, as a student would type it. */
export interface Answer {
  /** A short name, unique within the exercise: "no lock", "one lock around the loop". */
  name: string;
  /** Why it is wrong (or why it is right although it differs from the reference). */
  why: string;
  /** The solution cell's source (it keeps the reference cell's `solutionCell(…)` line). */
  code: string;
}

/** The answers of one exercise. */
export interface ExerciseAnswers {
  /** At least two: the unsafe version, the likely slip, a serial or over-locked one where it matters. */
  wrong: Answer[];
  /** Correct answers other than the reference: at least one, unless `onlyOneForm` says why none exists. */
  right: Answer[];
  /** Why no second correct form exists (then `right` may be empty). */
  onlyOneForm?: string;
}

/** A lesson's answers, by exercise id ("04-ex1"). */
export type LessonAnswers = Record<string, ExerciseAnswers>;
