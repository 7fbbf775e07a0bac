import type { LessonAnswers } from "./answers";

const HEAD = (id: string) => `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("${id}");
`;

/** Exercise 4's solution cell with these bodies for lightOn and lightOff. */
const lightswitch = (on: string, off: string) => `${HEAD("11-ex4")}
function lightOn(readers: Value, mutex: Semaphore, roomEmpty: Semaphore): void {
${on}
}
function lightOff(readers: Value, mutex: Semaphore, roomEmpty: Semaphore): void {
${off}
}`;

/** Exercise 2's solution cell with this body. */
const rendezvousCell = (body: string) => `${HEAD("11-ex2")}
function rendezvous(mine: Semaphore, theirs: Semaphore): void {
${body}
}`;

/** Exercise 3's solution cell with these two functions' bodies. */
const multiplexCell = (make: string, visit: string) => `${HEAD("11-ex3")}
function newMultiplex(): Semaphore {
${make}
}
function visit(multiplex: Semaphore, room: () => void): void {
${visit}
}`;

const scheduleCell = (order: string) => `${HEAD("11-ex1")}
function scheduleFor1999(): number[] {
  return ${order};
}`;

export default {
  "11-ex1": {
    wrong: [
      {
        name: "one after the other",
        why: "[0, 0, 1, 1] is a serial schedule: the withdrawal reads the deposit's 2001 and writes 2000, a correct run.",
        code: scheduleCell("[0, 0, 1, 1]"),
      },
      {
        name: "the withdrawal lost instead",
        why: "[0, 1, 1, 0]: both read 2000, the withdrawal writes 1999, then the deposit overwrites it with 2001: the other update is lost.",
        code: scheduleCell("[0, 1, 1, 0]"),
      },
      {
        name: "too few steps",
        why: "Each worker takes two steps: an order of three leaves a step out, and replay refuses it.",
        code: scheduleCell("[0, 1, 1]"),
      },
    ],
    right: [
      {
        name: "the withdrawal reads first",
        why: "[1, 0, 0, 1]: both read 2000, the deposit writes 2001, the withdrawal overwrites it with 1999.",
        code: scheduleCell("[1, 0, 0, 1]"),
      },
    ],
  },
  "11-ex2": {
    wrong: [
      {
        name: "wait, then signal",
        why: "Both workers wait for the other's signal before sending their own: nobody ever signals, a deadlock.",
        code: rendezvousCell("  theirs.acquire();\n  mine.release();"),
      },
      {
        name: "signal only",
        why: "Without waiting, a worker goes on before the other has arrived.",
        code: rendezvousCell("  mine.release();"),
      },
      {
        name: "signal and wait on the same semaphore",
        why: "Each worker takes back the permit it just gave: it goes on alone.",
        code: rendezvousCell("  theirs.release();\n  theirs.acquire();"),
      },
    ],
    right: [
      {
        name: "a timed wait that reports a missing partner",
        why: "The same rendezvous; the timeout can only run out where nobody can go on, which never happens here.",
        code: rendezvousCell('  mine.release();\n  if (!theirs.acquire(10_000)) throw new Error("the other worker never arrived");'),
      },
    ],
  },
  "11-ex3": {
    wrong: [
      {
        name: "no semaphore taken",
        why: "visit enters without a permit: three visitors end up in the room.",
        code: multiplexCell("  return new Semaphore(2);", "  room();"),
      },
      {
        name: "one permit",
        why: "A plain mutex: never three, but never two together either.",
        code: multiplexCell("  return new Semaphore(1);", "  multiplex.acquire();\n  try { room(); } finally { multiplex.release(); }"),
      },
      {
        name: "permit never given back",
        why: "The third visitor waits for a permit nobody returns: a deadlock.",
        code: multiplexCell("  return new Semaphore(2);", "  multiplex.acquire();\n  room();"),
      },
    ],
    right: [
      {
        name: "release without finally",
        why: "room() never throws here, so releasing after it is the same protocol.",
        code: multiplexCell("  return new Semaphore(2);", "  multiplex.acquire();\n  room();\n  multiplex.release();"),
      },
    ],
  },
  "11-ex4": {
    wrong: [
      {
        name: "readers ignore roomEmpty",
        why: "The count is kept, but no reader takes roomEmpty: a writer comes in while a reader is reading.",
        code: lightswitch(
          "  mutex.acquire();\n  readers.value += 1;\n  mutex.release();",
          "  mutex.acquire();\n  readers.value -= 1;\n  mutex.release();",
        ),
      },
      {
        name: "every reader takes roomEmpty",
        why: "A plain mutex: readers and writers are kept apart, but two readers can never read together.",
        code: lightswitch("  roomEmpty.acquire();", "  roomEmpty.release();"),
      },
      {
        name: "lightOff keeps mutex",
        why: "The leaving reader never gives mutex back: the next reader to arrive or leave waits forever, a deadlock.",
        code: lightswitch(
          "  mutex.acquire();\n  readers.value += 1;\n  if (readers.value === 1) roomEmpty.acquire();\n  mutex.release();",
          "  mutex.acquire();\n  readers.value -= 1;\n  if (readers.value === 0) roomEmpty.release();",
        ),
      },
      {
        name: "lightOff counts outside mutex",
        why: "`readers.value -= 1` is a read and a write: an arriving reader's update can fall between them, and the count goes wrong (cast 3).",
        code: lightswitch(
          "  mutex.acquire();\n  readers.value += 1;\n  if (readers.value === 1) roomEmpty.acquire();\n  mutex.release();",
          "  readers.value -= 1;\n  if (readers.value === 0) roomEmpty.release();",
        ),
      },
      {
        name: "lightOn counts outside mutex",
        why: "Two arriving readers can both see a count above 1 (or both 1): one goes in while nobody holds roomEmpty.",
        code: lightswitch(
          "  readers.value += 1;\n  if (readers.value === 1) roomEmpty.acquire();",
          "  mutex.acquire();\n  readers.value -= 1;\n  if (readers.value === 0) roomEmpty.release();\n  mutex.release();",
        ),
      },
      {
        name: "every reader out releases roomEmpty",
        why: "The first reader to leave frees the room while the other is still reading: a writer joins it.",
        code: lightswitch(
          "  mutex.acquire();\n  readers.value += 1;\n  if (readers.value === 1) roomEmpty.acquire();\n  mutex.release();",
          "  mutex.acquire();\n  readers.value -= 1;\n  roomEmpty.release();\n  mutex.release();",
        ),
      },
    ],
    right: [
      {
        name: "the count read once, mutex in finally",
        why: "The same lightswitch: the new count is computed once, and mutex is released in finally.",
        code: lightswitch(
          "  mutex.acquire();\n  try {\n    const now = readers.value + 1;\n    readers.value = now;\n    if (now === 1) roomEmpty.acquire();\n  } finally {\n    mutex.release();\n  }",
          "  mutex.acquire();\n  try {\n    const now = readers.value - 1;\n    readers.value = now;\n    if (now === 0) roomEmpty.release();\n  } finally {\n    mutex.release();\n  }",
        ),
      },
    ],
  },
} satisfies LessonAnswers;
