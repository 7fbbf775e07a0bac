/**
 * Two or more variants of one demo, run as trials and shown side by side: the unsafe demo and its fix
 * in one call, as a lesson shows them.
 */
import { RaceLabArgumentError } from "../core/errors";
import { checkOptions } from "../core/validate";
import { compareReports, runTrials, type TrialOptions } from "./trials";
import type { TrialReport } from "./trial-report";

/** Options of {@link compareTrials}: those of `runTrials` without `variant`, `run` and `show`. */
export interface CompareOptions<V extends string> extends Omit<TrialOptions, "variant" | "run" | "show"> {
  /** Each variant's name ("unsafe", "safe", …) and how it runs one trial, in the order shown. */
  variants: Record<V, TrialOptions["run"]>;
  /** The title of the table and chart (default: the demo and the variants, "demo: unsafe vs safe"). */
  title?: string;
}

/**
 * Runs each variant's trials, one variant after another, then shows them side by side in one table
 * and one chart (what `runTrials` with `show: false` for each, then `compareReports`, shows).
 *
 * @example
 * ```ts
 * const counter = await compareTrials({
 *   demo: "two threads, one counter", trials: 10, expected: 2000,
 *   variants: { unsafe: () => countWith(null), safe: () => countWith(new Lock()) },
 * });
 * counter.unsafe.anomalyRate; // e.g. 0.9
 * ```
 * Warning: `await` it. The variants run one after another, never at once, so that each trial has the
 * machine to itself: the call takes as long as all their trials together.
 */
export async function compareTrials<V extends string>(options: CompareOptions<V>): Promise<Record<V, TrialReport>> {
  const { variants, title, ...common } = checkOptions<CompareOptions<V>>("options", options, "{ demo, trials, expected, variants }");
  const names = Object.keys(variants ?? {}) as V[];
  if (typeof variants !== "object" || names.length === 0 || names.length > 10) {
    throw new RaceLabArgumentError("variants", "an object of 1 to 10 variants, e.g. { unsafe: run, safe: run }", variants);
  }
  const reports = {} as Record<V, TrialReport>;
  for (const variant of names) reports[variant] = await runTrials({ ...common, variant, run: variants[variant], show: false });
  await compareReports(Object.values(reports), { title: title ?? `${common.demo}: ${names.join(" vs ")}` });
  return reports;
}
