// race-lab/instructor: what the instructor and the grader use: an exercise's verdict as a value, the
// grading mode, whether a solution cell compiled, and the records a lesson leaves (its predictions,
// and the outcomes file of its trials), the class's race statistics, and the lessons' old names.
export { checkSolved, gradingMode, ExerciseFailedError } from "./course/exercises";
export { staleSolution } from "./course/solution-cell";
export { currentLesson } from "./course/lesson-start";
export { predictions, type PredictionRecord } from "./course/prediction";
export { outcomesFile, recordOutcome, readOutcomes, type OutcomeRecord } from "./course/outcomes";
export { showClassOverview } from "./course/class-view";
export { summarizeClass, notRunYet, type DemoAcrossClass } from "./course/class-summary";
export { classDatabaseUrl, readClassRecords, type ClassRecord } from "./course/class-records";
export { studentId } from "./course/student-id";
export { LESSON_ALIASES, currentLessonName, currentGradeId, lessonNames } from "./course/lesson-aliases";
