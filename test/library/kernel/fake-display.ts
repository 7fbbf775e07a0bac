// What the library sends as display_data inside Jupyter, faked by setting tslab's own
// `lastWriteDisplayData`, which is exactly where the library (src/kernel/tslab.ts) looks for the kernel.
import { captureStdout } from "../helpers/display";

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
