/**
 * Recorded predictions: the student writes a guess in code before a demo runs; after the run the
 * guess is shown beside what happened. Writing it down first is the point — a guess made after
 * seeing the output teaches little.
 */
import { RaceLabArgumentError } from "../core/errors";
import { showMarkdown } from "../display/display";

/** A guess: a number, a range `[low, high]` (both included), a word or letter, yes/no — or null (none yet). */
export type Guess = number | [number, number] | string | boolean | null;

/** One prediction and, once revealed, what was observed. */
export interface PredictionRecord {
  question: string;
  guess: Guess;
  observed?: unknown;
  /** Whether the guess matched (undefined: not revealed yet, or no guess). */
  matched?: boolean;
}

const recorded: PredictionRecord[] = [];

function format(value: unknown): string {
  if (Array.isArray(value) && value.length === 2) return `between ${value[0]} and ${value[1]}`;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return typeof value === "string" ? `"${value}"` : String(value);
}

function matches(guess: Exclude<Guess, null>, observed: unknown): boolean {
  if (Array.isArray(guess)) return typeof observed === "number" && observed >= guess[0] && observed <= guess[1];
  if (typeof guess === "string") return typeof observed === "string" && guess.trim().toLowerCase() === observed.trim().toLowerCase();
  return guess === observed;
}

/**
 * A prediction written down before a run: {@link predict} makes it, `reveal(observed)` shows it
 * beside the outcome.
 *
 * @example
 * ```ts
 * const guess = predict("the final value after two updates of 10", 20);
 * // … run the demo …
 * guess.reveal(db.value); // "You predicted 20 — the run gave 10. Not what you expected: read on."
 * ```
 * Warning: a number guess must equal the outcome exactly (a word ignores case and spaces around it); a second `reveal`
 * replaces the recorded outcome.
 */
export class Prediction {
  /** @internal */
  private readonly record: PredictionRecord;

  /** @internal Use {@link predict}. */
  constructor(record: PredictionRecord) {
    this.record = record;
  }

  /** The question asked. */
  get question(): string {
    return this.record.question;
  }

  /** The guess written down (null: none). */
  get guess(): Guess {
    return this.record.guess;
  }

  /** Whether the guess matched what the run gave: null before `reveal`, false without a guess. */
  get matched(): boolean | null {
    if (!("observed" in this.record)) return null;
    return this.record.matched ?? false;
  }

  /**
   * Shows the guess beside `observed` (a number, a word, yes/no) and records the outcome. Returns
   * nothing, so that a cell ending with it prints nothing more: read {@link Prediction.matched}.
   *
   * @example
   * ```ts
   * guess.reveal(unsafeReport.anomalies);
   * ```
   */
  reveal(observed: unknown): void {
    this.record.observed = observed;
    const { question, guess } = this.record;
    if (guess === null) {
      showMarkdown(
        `**${question}** — the run gave **${format(observed)}**. You wrote no prediction: next time put your guess ` +
          "in the `predict(…)` cell (instead of `null`) *before* running the demo.",
      );
      return;
    }
    const matched = matches(guess, observed);
    this.record.matched = matched;
    showMarkdown(
      `**${question}** — you predicted **${format(guess)}**; the run gave **${format(observed)}**. ` +
        (matched ? "✔ As you predicted." : "✘ Not what you predicted: the next cells explain why."),
    );
  }
}

/**
 * Records a prediction before a demo runs: the question and your guess (a number, a range
 * `[low, high]`, a letter or word, true/false; `null` while you have none). Shows it, and returns a
 * {@link Prediction} whose `reveal(observed)` shows it beside the outcome after the run.
 *
 * @example
 * ```ts
 * const guess = predict("how many of 10 trials lose an update?", [5, 10]);
 * const report = await runTrials({ … });
 * guess.reveal(report.anomalies);
 * ```
 * Warning: every call is recorded: running the cell again adds a second prediction to {@link predictions}.
 */
export function predict(question: string, guess: Guess): Prediction {
  if (typeof question !== "string" || question.trim() === "" || question.length > 300) {
    throw new RaceLabArgumentError("question", "a non-empty string of at most 300 characters", question);
  }
  const ok =
    guess === null ||
    typeof guess === "string" ||
    typeof guess === "boolean" ||
    (typeof guess === "number" && Number.isFinite(guess)) ||
    (Array.isArray(guess) && guess.length === 2 && guess.every((n) => typeof n === "number" && Number.isFinite(n)) && guess[0] <= guess[1]);
  if (!ok) throw new RaceLabArgumentError("guess", "a number, a range [low, high], a word, true/false, or null", guess);
  const record: PredictionRecord = { question, guess: Array.isArray(guess) ? [guess[0], guess[1]] : guess };
  recorded.push(record);
  showMarkdown(
    guess === null
      ? `**Predict:** ${question} — no guess yet: replace \`null\` with yours and run this cell again.`
      : `**Predict:** ${question} — your guess, recorded: **${format(guess)}**.`,
  );
  return new Prediction(record);
}

/**
 * Every prediction made in this kernel so far, with its outcome once revealed (a copy).
 *
 * @example
 * ```ts
 * showTable(predictions().map((p) => ({ question: p.question, guess: String(p.guess), observed: String(p.observed) })));
 * ```
 * Warning: a shallow copy (a range guess is the recorded array itself), of this kernel only: a restart forgets them.
 */
export function predictions(): PredictionRecord[] {
  return recorded.map((r) => ({ ...r }));
}
