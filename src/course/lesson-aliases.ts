// The lessons' old names: the course was renumbered so that file order is reading order (lesson 10,
// read between 06 and 07, became 07; 07, 08 and 09 became 08, 09 and 10). A notebook handed out before
// that still says setLesson("10-what-workers-share") and carries grade ids 10-…; this table, the only
// place the old names live, lets its outcomes, class records and submissions count under the new
// lesson.

/** Each old lesson name and the name of the same lesson now. */
export const LESSON_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  "07-managers-and-proxies": "08-managers-and-proxies",
  "08-timing-races": "09-timing-races",
  "09-process-safety": "10-process-safety",
  "10-what-workers-share": "07-what-workers-share",
});

/**
 * The lesson's name now: an old name becomes the new one; any other name is returned as it is.
 *
 * @example
 * ```ts
 * currentLessonName("10-what-workers-share"); // "07-what-workers-share"
 * currentLessonName("04-shared-value");       // "04-shared-value"
 * ```
 * Warning: only whole names are renamed ("10-what-workers-share", not "10" or a file name).
 */
export function currentLessonName(name: string): string;
export function currentLessonName(name: string | null): string | null;
export function currentLessonName(name: string | null): string | null {
  return name !== null && Object.hasOwn(LESSON_ALIASES, name) ? LESSON_ALIASES[name] : name;
}

/**
 * Every name a lesson has had: its name now, then its old ones.
 *
 * @example
 * ```ts
 * lessonNames("07-what-workers-share"); // ["07-what-workers-share", "10-what-workers-share"]
 * ```
 * Warning: pass the lesson's name now; an old name gets only itself back.
 */
export function lessonNames(name: string): string[] {
  return [name, ...Object.keys(LESSON_ALIASES).filter((old) => LESSON_ALIASES[old] === name)];
}

/**
 * A grade id of an old lesson's notebook as the renumbered lesson names it: its lesson number changes.
 *
 * @example
 * ```ts
 * currentGradeId("10-code05", "10-what-workers-share"); // "07-code05"
 * currentGradeId("04-ex1", "10-what-workers-share");    // "04-ex1" (not that lesson's)
 * ```
 * Warning: an id alone does not say which numbering it is in ("07-code05" is a cell of lesson 07 in both), so the
 * lesson's old name must be known: pass the name the notebook was handed out under.
 */
export function currentGradeId(gradeId: string, oldLesson: string): string {
  if (!Object.hasOwn(LESSON_ALIASES, oldLesson)) return gradeId;
  const before = oldLesson.slice(0, 3); // "10-"
  const after = LESSON_ALIASES[oldLesson].slice(0, 3); // "07-"
  return gradeId.startsWith(before) ? after + gradeId.slice(before.length) : gradeId;
}
