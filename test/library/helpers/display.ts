// Test helpers for inline display: capture what the library prints (outside Jupyter) or sends as
// display_data (inside Jupyter, faked by setting tslab's own `lastWriteDisplayData`, which is exactly
// where the library looks for the kernel).

/**
 * Captures what race-lab's display code writes to stdout while `fn` runs. Other writes (the test
 * runner's own report of the previous test, which it may flush meanwhile) go through untouched: we
 * tell them apart by whether display.js is on the call stack.
 */
export async function captureStdout(fn: () => unknown): Promise<string> {
  const original = process.stdout.write.bind(process.stdout);
  let out = "";
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (!/[\\/]dist[\\/]display[\\/]display\.js:/.test(new Error().stack ?? "")) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
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

/** One faked display_data message: mime type → content. */
export type Bundle = Record<string, string>;

/** Runs `fn` as if inside a tslab kernel cell and returns the display_data bundles it sent. */
export async function captureDisplays(fn: () => unknown): Promise<{ bundles: Bundle[]; stdout: string }> {
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  const bundles: Bundle[] = [];
  jupyter.lastWriteDisplayData = (msg: { data: Bundle }, update: boolean) => {
    if (update) throw new Error("unexpected update_display_data");
    bundles.push(msg.data);
  };
  try {
    const stdout = await captureStdout(fn);
    return { bundles, stdout };
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
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
