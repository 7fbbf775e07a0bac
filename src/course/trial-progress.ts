// How far the running series of trials has come: what the one-line message after an interrupt (■)
// adds to what the runs ended ("12 of 200 trials done (counter — unsafe), not kept").

let trials: { done: number; of: number; label: string } | null = null;

/**
 * Notes how far a series of trials has come (null when none is running). Called by `runTrials`.
 *
 * @example
 * ```ts
 * noteTrialProgress({ done: 12, of: 200, label: "counter — unsafe" });
 * ```
 */
export function noteTrialProgress(progress: { done: number; of: number; label: string } | null): void {
  trials = progress;
}

/**
 * The progress in words, once: it is forgotten as it is read (the next interrupt reports afresh).
 *
 * @example
 * ```ts
 * takeTrialProgress(); // "12 of 200 trials done (counter — unsafe), not kept"
 * ```
 * Warning: undefined when no series was running.
 */
export function takeTrialProgress(): string | undefined {
  const text = trials ? `${trials.done} of ${trials.of} trials done (${trials.label}), not kept` : undefined;
  trials = null;
  return text;
}
