import type { LessonAnswers } from "./answers";

// Each answer is the whole solution cell. The checks' probes decide, not the race: exercise 1's probe
// leaves one line per process that ran it, exercise 2's makes each process wait to see the other.
const countSerial = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("02-ex1");
async function countSerial(maxCount: number, fn: (maxCount: number, filename: string) => unknown = work): Promise<number> {
${body}
}`;

const countParallel = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("02-ex2");
async function countParallel<R>(fn: (maxCount: number, filename: string) => R, counts: number[], filename: string): Promise<{ value: number; results: Awaited<R>[] }> {
${body}
}`;

const letter = (answer: string) => `import { solutionCell } from "race-lab/course";
solutionCell("02-ex3");
function whyBelow3000(): string {
  return ${JSON.stringify(answer)};
}`;

export default {
  "02-ex1": {
    wrong: [
      {
        name: "two processes share the count",
        why: "The unsafe version: two processes counting in one file race, and the check's probe sees two of them.",
        code: countSerial(`  return inRunFolder("serial", async (folder, file) => {
    const half = Math.floor(maxCount / 2);
    await new Pool(2, { kind: "process" }).map(partial(fn, { filename: file("serial.txt") }), [maxCount - half, half]);
    return readCount(file("serial.txt"));
  });`),
      },
      {
        name: "runs work, not fn",
        why: "It ignores the function it is given, so it can only ever measure work.",
        code: countSerial(`  return inRunFolder("serial", async (folder, file) => {
    await runProcesses(work, [[maxCount, file("serial.txt")]]);
    return readCount(file("serial.txt"));
  });`),
      },
    ],
    right: [
      {
        name: "a pool of one process",
        why: "Pool.map over one count in a pool of one: one child process, as runProcesses would start.",
        code: countSerial(`  return inRunFolder("serial", async (folder, file) => {
    const filename = file("serial.txt");
    await new Pool(1, { kind: "process" }).map(partial(fn, { filename }), [maxCount]);
    return readCount(filename);
  });`),
      },
    ],
  },
  "02-ex2": {
    wrong: [
      {
        name: "one process after the other",
        why: "A serial run: the second process starts when the first has finished, so they never race.",
        code: countParallel(`  const results: Awaited<R>[] = [];
  for (const count of counts) {
    const [result] = await runProcesses(fn, [[count, filename]]);
    results.push(result);
  }
  return { value: readCount(filename), results };`),
      },
      {
        name: "a pool of one process",
        why: "One worker process takes the counts one after the other: serial again.",
        code: countParallel(`  const results = await new Pool(1, { kind: "process" }).map(partial(fn, { filename }), counts);
  return { value: readCount(filename), results };`),
      },
    ],
    right: [
      {
        name: "runProcesses with one argument list per count",
        why: "runProcesses starts one child per argument list, all at once, and returns their results in order.",
        code: countParallel(`  const results = await runProcesses(fn, counts.map((count) => [count, filename] as [number, string]));
  return { value: readCount(filename), results };`),
      },
    ],
  },
  "02-ex3": {
    wrong: [
      {
        name: "a: too many processes",
        why: "Two processes on two cores are not stopped halfway; the loss comes from the file.",
        code: letter("a"),
      },
      { name: "c: writes still pending", why: "writeFileSync has finished writing when it returns.", code: letter("c") },
      { name: "d: one after the other", why: "The two calls ran at the same time (exercise 2's probe shows it).", code: letter("d") },
    ],
    right: [{ name: "B, in capitals with spaces", why: "The check ignores case and surrounding spaces.", code: letter(" B ") }],
  },
} satisfies LessonAnswers;
