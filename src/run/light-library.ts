// race-lab as a function rebuilt in a worker thread or child process sees it. Loading the whole
// library there costs about as much CPU as starting the thread itself, and most functions sent to a
// worker use only a few of its names (Value, Lock, sleepSync…). So a name is looked up first in the
// few modules below, each loaded on first use; any other name loads the whole library (the entry
// file's loader), and so does listing the names (`import * as`).

const LIGHT_MODULES = [
  "../core/errors",
  "../core/sleep",
  "../shared/value",
  "../shared/shared-array",
  "../primitives/lock",
  "../primitives/rlock",
  "../primitives/semaphore",
  "../primitives/event",
  "../primitives/condition",
  "../primitives/barrier",
  "../primitives/queue",
  "../primitives/sequencer",
  "../primitives/synchronized",
  "../primitives/context-decorator",
  "../primitives/async-lock",
  "./function-source",
  "./worker-scope",
];

/**
 * The library object a worker's rebuilt functions see as `race-lab`: names from the light modules
 * without loading the rest; everything else from `loadWhole()` (the full index), loaded once.
 *
 * @internal
 * @example
 * ```ts
 * provideLibrary(() => lightLibrary(loadIndex)); // loadIndex: the entry file's loader of the whole library
 * ```
 */
export function lightLibrary(loadWhole: () => Record<PropertyKey, unknown>): object {
  let whole: Record<PropertyKey, unknown> | undefined;
  const all = () => (whole ??= loadWhole());
  const found = new Map<string, unknown>();
  const lookup = (name: string): unknown => {
    if (whole) return whole[name];
    if (found.has(name)) return found.get(name);
    for (const file of LIGHT_MODULES) {
      const module = require(file) as Record<string, unknown>;
      if (Object.prototype.hasOwnProperty.call(module, name)) {
        found.set(name, module[name]);
        return module[name];
      }
    }
    return all()[name];
  };
  return new Proxy(
    {},
    {
      get: (_target, name) => (name === "__esModule" ? true : typeof name === "string" ? lookup(name) : all()[name]),
      has: (_target, name) => name in all(),
      ownKeys: () => Reflect.ownKeys(all()),
      getOwnPropertyDescriptor: (_target, name) => {
        const descriptor = Object.getOwnPropertyDescriptor(all(), name);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}
