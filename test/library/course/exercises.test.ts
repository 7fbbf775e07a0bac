// Exercise checks in both modes: a student's run (never throws, says solved / not solved yet + hint)
// and grading mode (RACE_LAB_GRADING=1: a failed check throws ExerciseFailedError).
import { test } from "node:test";
import assert from "node:assert/strict";
import { notImplemented, NotImplementedError } from "race-lab";
import { check, expectEqual, expectTrue, expectBetween } from "race-lab/course";
import { checkSolved, gradingMode, ExerciseFailedError } from "race-lab/instructor";
import { RaceLabArgumentError } from "race-lab/internal";
import { captureStdout } from "../helpers/display";
import { captureDisplays } from "../kernel/fake-display";

async function inMode<T>(grading: boolean, fn: () => Promise<T>): Promise<T> {
  const before = process.env.RACE_LAB_GRADING;
  if (grading) process.env.RACE_LAB_GRADING = "1";
  else delete process.env.RACE_LAB_GRADING;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.RACE_LAB_GRADING;
    else process.env.RACE_LAB_GRADING = before;
  }
}

// A stub and a solution, as a release notebook and a solved one would have them.
function countSerialStub(_n: number): number {
  notImplemented("countSerial");
}
const countSerialSolved = (n: number): number => n;
const countSerialWrong = (n: number): number => n - 1;

test("expectations pass silently and fail with what, expected and got", () => {
  expectEqual(3, 3, "three");
  expectEqual([1, { a: [2] }], [1, { a: [2] }], "a nested value");
  expectEqual(NaN, NaN, "not a number");
  expectTrue(true, "truth");
  expectBetween(5, 1, 10, "five");
  expectBetween(1, 1, 1, "the edge");
  assert.throws(
    () => expectEqual(1999, 2000, "the count"),
    (e: Error) => e instanceof ExerciseFailedError && e.message === "the count: expected 2000, got 1999",
  );
  assert.throws(() => expectEqual("1", 1, "the type"), /the type: expected 1, got "1"/);
  assert.throws(() => expectEqual([1, 2], [1, 2, 3], "the list"), /the list: expected \[1,2,3\], got \[1,2\]/);
  assert.throws(() => expectTrue(false, "the lock was released"), /the lock was released: this was not the case/);
  assert.throws(() => expectTrue(undefined, "a flag"), /a flag: expected true, got undefined/);
  assert.throws(() => expectBetween(11, 1, 10, "the rate"), /the rate: expected a number from 1 to 10, got 11/);
  assert.throws(() => expectBetween("5", 1, 10, "the rate"), ExerciseFailedError);
});

test("expectEqual compares Maps and Sets by their entries", () => {
  expectEqual(new Map([["a", [1]]]), new Map([["a", [1]]]), "a map");
  expectEqual(new Set([1, 2]), new Set([1, 2]), "a set");
  assert.throws(() => expectEqual(new Map([["a", 1]]), new Map([["a", 2]]), "a map"), ExerciseFailedError);
  assert.throws(() => expectEqual(new Set([1]), new Set([2]), "a set"), ExerciseFailedError);
  assert.throws(() => expectEqual(new Set([1]), [1], "a set for a list"), ExerciseFailedError);
});

test("notImplemented throws NotImplementedError naming the function", () => {
  assert.throws(
    () => countSerialStub(3),
    (e: Error) => e instanceof NotImplementedError && e.message === "countSerial is not implemented yet",
  );
});

test("student mode: a solved check says so and resolves true", async () => {
  await inMode(false, async () => {
    assert.equal(gradingMode(), false);
    let solved: boolean | undefined;
    const out = await captureStdout(async () => {
      solved = await checkSolved("02-ex1-serial", async () => expectEqual(countSerialSolved(1000), 1000, "the serial count"), {
        hint: "h",
      });
    });
    assert.equal(solved, true);
    assert.match(out, /^✔ 02-ex1-serial: solved\n$/m);
  });
});

test("student mode: a stub, a wrong answer and a crash never throw; each gives its reason and the hint", async () => {
  await inMode(false, async () => {
    const results: boolean[] = [];
    const out = await captureStdout(async () => {
      results.push(await checkSolved("ex-stub", () => expectEqual(countSerialStub(5), 5, "the count"), { hint: "Count without threads." }));
      results.push(await checkSolved("ex-wrong", () => expectEqual(countSerialWrong(5), 5, "the count"), { hint: "Off by one?" }));
      results.push(
        await checkSolved("ex-crash", () => {
          throw new TypeError("x is undefined");
        }),
      );
    });
    assert.deepEqual(results, [false, false, false]);
    assert.match(out, /✘ ex-stub: not solved yet \(the exercise still has its stub\)\. Hint: Count without threads\./);
    assert.match(out, /✘ ex-wrong: not solved yet — the count: expected 5, got 4\. Hint: Off by one\?/);
    assert.match(out, /✘ ex-crash: not solved yet — your code threw TypeError: x is undefined\.\n/);
  });
});

test("grading mode: a failed check throws ExerciseFailedError; a solved one does not", async () => {
  await inMode(true, async () => {
    assert.equal(gradingMode(), true);
    await captureStdout(async () => {
      assert.equal(await checkSolved("ok", () => expectTrue(true, "fine")), true);
      await assert.rejects(
        check("ex-stub", () => countSerialStub(1)),
        (e: Error) => e instanceof ExerciseFailedError && /ex-stub: not solved — the exercise still has its stub/.test(e.message),
      );
      await assert.rejects(
        check("ex-wrong", () => expectEqual(countSerialWrong(5), 5, "the count")),
        /ex-wrong: not solved — the count: expected 5, got 4/,
      );
    });
  });
});

test("a check whose body does not finish in time fails (and throws in grading mode)", async () => {
  const never = () => new Promise(() => {});
  await inMode(false, async () => {
    const out = await captureStdout(async () => assert.equal(await checkSolved("slow", never, { timeoutMs: 50 }), false));
    assert.match(out, /slow: not solved yet — the check did not finish within 50 ms/);
  });
  await inMode(true, async () => {
    await captureStdout(() => assert.rejects(check("slow", never, { timeoutMs: 50 }), ExerciseFailedError));
  });
});

test("in Jupyter the verdict is HTML (escaped) with a text fallback", async () => {
  await inMode(false, async () => {
    const { bundles } = await captureDisplays(async () => {
      await checkSolved("<ex>", () => expectEqual(1, 2, "a & b"), { hint: "use <Lock>" });
    });
    assert.equal(bundles.length, 1);
    assert.match(
      bundles[0]["text/html"],
      /✘ &lt;ex&gt;: not solved yet<\/b> — a &amp; b: expected 2, got 1\. <i>Hint: use &lt;Lock&gt;<\/i>/,
    );
    assert.equal(bundles[0]["text/plain"], "✘ <ex>: not solved yet — a & b: expected 2, got 1. Hint: use <Lock>");
  });
});

test("a verdict ends one sentence once, shows `code` as code, and keeps $1 … $2 from being typeset as math", async () => {
  await inMode(false, async () => {
    const { bundles } = await captureDisplays(async () => {
      await checkSolved("sql", () => expectTrue(false, "the renewal (it checks the owner.)"), {
        hint: "compare with `token = $1 AND owner = $2`",
      });
    });
    const html = bundles[0]["text/html"];
    assert.match(html, /class="tex2jax_ignore mathjax_ignore"/, "MathJax 2 and 3 skip the verdict");
    assert.match(html, /<code>token = \$1 AND owner = \$2<\/code>/);
    assert.doesNotMatch(bundles[0]["text/plain"], /\.\)\.|\.\./, "no doubled full stop");
  });
});

test("exercise functions reject bad input", async () => {
  await assert.rejects(
    check("", () => {}),
    /^RaceLabArgumentError: id must be the exercise's id/,
  );
  await assert.rejects(check("x", "body" as never), /^RaceLabArgumentError: body must be a function/);
  await assert.rejects(
    check("x", () => {}, { hint: 3 as never }),
    /^RaceLabArgumentError: hint must be a string/,
  );
  await assert.rejects(
    check("x", () => {}, { timeoutMs: -1 }),
    /^RaceLabArgumentError: timeoutMs must be a number of milliseconds/,
  );
  await assert.rejects(
    check("x", () => {}, null as never),
    RaceLabArgumentError,
  );
  assert.throws(() => notImplemented(""), /^RaceLabArgumentError: name must be the function's name/);
  assert.throws(() => expectEqual(1, 1, ""), /^RaceLabArgumentError: what must be a short description/);
  assert.throws(() => expectTrue(true, 5 as never), /^RaceLabArgumentError: what must be/);
  assert.throws(() => expectBetween(1, 2, 1, "x"), /^RaceLabArgumentError: hi must be a number not below lo \(2\)/);
  assert.throws(() => expectBetween(1, NaN, 1, "x"), /^RaceLabArgumentError: lo must be a number/);
});
