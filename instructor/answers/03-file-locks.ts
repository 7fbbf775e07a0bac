import type { LessonAnswers } from "./answers";

// Each answer is the whole solution cell. The checks force their interleavings: exercise 1's check
// holds the lock before the student's process starts and gets in right after its first release;
// exercise 2's appends a line of its own right after every read of the counted file.
const lockedIncrements = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("03-ex1");
function lockedIncrements(maxCount: number, filename: string, lock: FileLock): number {
  const fs = require("fs");
  let readErrors = 0;
${body}
  return readErrors;
}`;

/** One increment, as the lesson's `work` does it (indented for the loop body). */
const increment = `    let count = 0;
    if (fs.existsSync(filename)) {
      const text: string = fs.readFileSync(filename, "utf8");
      if (/^\\s*\\d+\\s*$/.test(text)) count = Number(text);
      else readErrors++;
    }
    fs.writeFileSync(filename, \`\${count + 1}\\n\`);`;

const appendOnly = (appendBody: string, countBody: string) => `import { solutionCell } from "race-lab/course";
solutionCell("03-ex2");
function appendWork(maxCount: number, filename: string): void {
  const fs = require("fs");
${appendBody}
}

function countLines(filename: string): number {
${countBody}
}`;

const countNonEmptyLines = `  const text = fs.readFileSync(filename, "utf8");
  return text.split("\\n").filter((line) => line !== "").length;`;

export default {
  "03-ex1": {
    wrong: [
      {
        name: "no lock",
        why: "The unsafe version: the other process's update made while it held the lock is overwritten.",
        code: lockedIncrements(`  for (let n = 0; n < maxCount; n++) {
${increment}
  }`),
      },
      {
        name: "one lock around the whole loop",
        why: "Correct counts, but the lock is never free between two increments: the other process gets in only after all of them.",
        code: lockedIncrements(`  lock.withLock(() => {
    for (let n = 0; n < maxCount; n++) {
${increment.replace(/^/gm, "  ")}
    }
  });`),
      },
      {
        name: "the read outside the lock",
        why: "Only the write is locked: the number was read before taking the lock, so an update made meanwhile is lost.",
        code: lockedIncrements(`  for (let n = 0; n < maxCount; n++) {
    let count = 0;
    if (fs.existsSync(filename)) {
      const text: string = fs.readFileSync(filename, "utf8");
      if (/^\\s*\\d+\\s*$/.test(text)) count = Number(text);
      else readErrors++;
    }
    lock.withLock(() => fs.writeFileSync(filename, \`\${count + 1}\\n\`));
  }`),
      },
    ],
    right: [
      {
        name: "acquire and release by hand, in try/finally",
        why: "The same critical section as withLock, released even if an increment throws.",
        code: lockedIncrements(`  for (let n = 0; n < maxCount; n++) {
    lock.acquire();
    try {
${increment.replace(/^/gm, "  ")}
    } finally {
      lock.release();
    }
  }`),
      },
      {
        name: "the increment as a function, locked per call",
        why: "withLock around a named function that does one whole increment: the same granularity.",
        code: lockedIncrements(`  const incrementOnce = () => {
${increment.replace(/^ {4}/gm, "    ")}
  };
  for (let n = 0; n < maxCount; n++) lock.withLock(incrementOnce);`),
      },
    ],
  },
  "03-ex2": {
    wrong: [
      {
        name: "read, add a line, rewrite the file",
        why: "A read-modify-write of the whole file: a line another process appends between the read and the write is lost.",
        code: appendOnly(
          `  for (let n = 0; n < maxCount; n++) {
    const text: string = fs.existsSync(filename) ? fs.readFileSync(filename, "utf8") : "";
    fs.writeFileSync(filename, text + "1\\n");
  }`,
          countNonEmptyLines,
        ),
      },
      {
        name: "counts the empty piece after the last line end",
        why: '"1\\n1\\n".split("\\n") has three pieces: the count is one too many.',
        code: appendOnly(
          `  for (let n = 0; n < maxCount; n++) fs.appendFileSync(filename, "1\\n");`,
          `  return fs.readFileSync(filename, "utf8").split("\\n").length;`,
        ),
      },
      {
        name: "writeFileSync without the append flag",
        why: "Each write truncates the file first: one line is left, whatever the count.",
        code: appendOnly(`  for (let n = 0; n < maxCount; n++) fs.writeFileSync(filename, "1\\n");`, countNonEmptyLines),
      },
    ],
    right: [
      {
        name: "writeFileSync with flag a, lines counted by their ends",
        why: 'Flag "a" opens with O_APPEND, as appendFileSync does; every line ends with \\n, so counting \\n counts lines.',
        code: appendOnly(
          `  for (let n = 0; n < maxCount; n++) fs.writeFileSync(filename, "1\\n", { flag: "a" });`,
          `  return (fs.readFileSync(filename, "utf8").match(/\\n/g) ?? []).length;`,
        ),
      },
      {
        name: "one descriptor opened for appending",
        why: "Every write on an O_APPEND descriptor goes to the end of the file as it is then.",
        code: appendOnly(
          `  const fd = fs.openSync(filename, "a");
  try {
    for (let n = 0; n < maxCount; n++) fs.writeSync(fd, "1\\n");
  } finally {
    fs.closeSync(fd);
  }`,
          countNonEmptyLines,
        ),
      },
    ],
  },
} satisfies LessonAnswers;
