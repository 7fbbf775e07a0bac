// Test helpers for inline display: capture what the library prints outside Jupyter, and read the
// marks of a chart. What it sends as display_data inside Jupyter: ../kernel/fake-display.ts.

/**
 * Captures what race-lab's display code writes to stdout while `fn` runs. Other writes (the test
 * runner's own report of the previous test, which it may flush meanwhile) go through untouched: we
 * tell them apart by whether display.js is on the call stack.
 */
export async function captureStdout(fn: () => unknown): Promise<string> {
  const original = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (!/[\\/]dist[\\/]display[\\/]display\.js:/.test(new Error().stack ?? ""))
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return out;
}

/** The aria-labels of the marks (one per datum) in a Vega SVG: "field: value; field: value". */
export function markLabels(svg: string, roleDescription: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const re = new RegExp(`<[a-z]+ aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="${roleDescription}"`, "g");
  for (const m of svg.matchAll(re)) {
    const fields: Record<string, string> = {};
    for (const part of m[1].split("; ")) {
      const i = part.indexOf(": ");
      if (i > 0) fields[part.slice(0, i)] = part.slice(i + 2);
    }
    out.push(fields);
  }
  return out;
}
