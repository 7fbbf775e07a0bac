// Output of workers, children and the manager's server, forwarded to this process's own output:
// in a notebook, to the cell that is running.
import type { Readable } from "stream";

/**
 * Forwards a stream's text line by line to `write`, each line prefixed (no prefix: chunks as they
 * come). Resolves when the stream ends.
 *
 * @internal
 * @example
 * ```ts
 * await forwardLines(worker.stdout, toStdout, "[thread 1] ");
 * ```
 */
export function forwardLines(stream: Readable, write: (text: string) => void, prefix: string): Promise<void> {
  stream.setEncoding("utf8");
  let pending = "";
  stream.on("data", (chunk: string) => {
    if (!prefix) return write(chunk);
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    if (lines.length > 0) write(lines.map((l) => prefix + l + "\n").join(""));
  });
  return new Promise((resolve) => {
    const done = () => {
      if (pending) write(prefix + pending + "\n");
      pending = "";
      resolve();
    };
    stream.once("end", done);
    stream.once("close", done);
  });
}

// process.stdout.write is looked up at each write: tslab swaps it to route output to the running cell.
/** @internal Writes to this process's stdout as it is now (tslab swaps it per cell). @example `forwardLines(s, toStdout, "")` */
export const toStdout = (text: string): void => void process.stdout.write(text);
/** @internal Writes to this process's stderr as it is now. @example `forwardLines(s, toStderr, "")` */
export const toStderr = (text: string): void => void process.stderr.write(text);
