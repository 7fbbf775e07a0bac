// race-lab/course: the course's plumbing, what makes a notebook a lesson: naming it, trials and their
// reports, predictions, exercises and their checks, the Python ports shown beside. Lesson cells import
// it beside race-lab; a function sent to a thread or process uses race-lab's names, not these.
// (This machine against the class's statistics, too.)
export { setLesson } from "./course/lesson-start";
export { runTrials, compareReports, type TrialOptions, type TrialResult } from "./course/trials";
export { compareTrials, type CompareOptions } from "./course/compare-trials";
export { showFirstBad } from "./scheduler/first-bad-schedule";
export { exploredOutcomes, type ExploredSchedules } from "./course/explored-outcomes";
export { type TrialReport } from "./course/trial-report";
export { predict, Prediction, type Guess } from "./course/prediction";
export { check, expectEqual, expectTrue, expectBetween, expectChoice, type CheckOptions } from "./course/exercises";
export { solutionCell } from "./course/solution-cell";
export { ifSolved } from "./course/if-solved";
export { runPythonPort, showBesidePython, type PythonRun, type PythonPortOptions } from "./course/python-port";
export { showClassComparison } from "./course/class-view";
