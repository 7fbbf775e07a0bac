// What a function sent to a worker takes with it from the notebook: the functions, classes and
// constants that earlier cells defined and that it uses, and what those use in turn — the way
// Python's spawn imports the main module again in the child, but only what is needed.
import { TravelError } from "../core/errors";
import { cellNames } from "../kernel/tslab";
import { Destination, SHARABLE, type Sharable, encodeForProcess, encodeForThread } from "../core/shared-object";
import { checkSendable } from "./sendable";
import { displayName, functionSource } from "./function-source";
import { freeNames } from "./free-names";
import { CellDefinition, libraryExports } from "./worker-scope";

export type { CellDefinition } from "./worker-scope";

/** Names a rebuilt function always has: they never come from a cell. */
const SCOPE = /^(require|exports|__decorate|__metadata|__param|__importDefault|__importStar|__name|[a-z][a-z0-9_]*_\d+)$/;

const COPIED = [Date, RegExp, Map, Set, ArrayBuffer, Error] as const;

function cannotTravel(user: string, name: string, why: string, what: string): TravelError {
  return new TravelError(`${displayName(user)} uses \`${name}\` from the notebook, which cannot travel with it: ${why}. ${what}`);
}

/** `value` encoded for `to`, or a TravelError saying why it cannot be copied there. */
function copied(value: unknown, name: string, user: string, to: Destination): unknown {
  const plain = typeof value !== "object" || value === null || Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  const sharable = typeof value === "object" && value !== null && (value as Partial<Sharable>)[SHARABLE] !== undefined;
  const builtin = COPIED.some((kind) => value instanceof kind) || ArrayBuffer.isView(value);
  if (typeof value === "symbol" || !(plain || sharable || builtin)) {
    const kind = (value as object)?.constructor?.name || typeof value;
    throw cannotTravel(
      user,
      name,
      `it is a live ${kind} object of the notebook, and a ${to} gets only copies of data and race-lab's shared objects`,
      `Create it inside the function, or pass what the function needs from it as an argument.`,
    );
  }
  try {
    checkSendable(value, `\`${name}\``, to);
    return (to === "thread" ? encodeForThread : encodeForProcess)([value])[0];
  } catch (error) {
    const what = /function/.test((error as Error).message)
      ? "If it is a module imported in a cell, call `require(…)` for it inside the function; otherwise pass the data it needs as an argument."
      : "Pass it as an argument to a thread, or keep it out of the function.";
    throw cannotTravel(user, name, (error as Error).message.replace(/\.$/, ""), what);
  }
}

const namesOf = new WeakMap<object, Map<unknown, string>>();

/** race-lab's exports by value (a cell's imported name is one of them): made once per library, not per send. */
function libraryNames(library: Record<string, unknown>): Map<unknown, string> {
  let byValue = namesOf.get(library);
  if (!byValue) {
    byValue = new Map();
    for (const [key, value] of Object.entries(library))
      if (typeof value === "function" || typeof value === "object") byValue.set(value, key);
    namesOf.set(library, byValue);
  }
  return byValue;
}

/** The source of a function or class the notebook defined, or a TravelError naming who uses it. */
function sourceOf(value: (...args: any[]) => unknown, name: string, user: string): string {
  try {
    return functionSource(value);
  } catch (error) {
    throw cannotTravel(
      user,
      name,
      (error as Error).message.replace(/\.$/, ""),
      "Pass it as an argument, or define it inside the function.",
    );
  }
}

/**
 * What `lookedUp` records for a name that no cell defines.
 *
 * @internal
 * @example
 * ```ts
 * if (lookedUp.get("helper") === NOT_A_CELL_NAME) console.log("a global, or nothing");
 * ```
 * Warning: a unique symbol: compare with it, never with undefined (a cell may define a name as undefined).
 */
export const NOT_A_CELL_NAME: unique symbol = Symbol("not a cell name");

/**
 * The definitions that `source` (the function `name`, sent to a `to`) needs from the notebook's
 * cells, transitively and in dependency order. Outside a tslab kernel there are none.
 *
 * @example
 * ```ts
 * // cell 1: function helper(n: number) { return n * 2; }
 * // cell 2: cellDefinitions(functionSource(work), "work", "thread") → [{ name: "helper", source: "function helper(n) {…}" }]
 * ```
 * Warning: throws `TravelError` for a name that cannot travel: a variable the function assigns to
 * (each worker would change its own copy), a live object (a handle, a connection, a class instance),
 * a built-in function. A copied constant is the value it had when the function was sent. Given
 * `lookedUp`, every name looked up in the cells is recorded there with what it meant then, so that a
 * caller can tell later whether the answer still holds.
 */
export function cellDefinitions(source: string, name: string, to: Destination, lookedUp?: Map<string, unknown>): CellDefinition[] {
  const cells = cellNames();
  if (!cells) return [];
  const byValue = libraryNames(libraryExports());
  const definitions: CellDefinition[] = [];
  const seen = new Set<string>([name]);
  const visit = (text: string, user: string) => {
    for (const [used, written] of freeNames(text)) {
      if (seen.has(used) || SCOPE.test(used)) continue;
      const defined = Object.prototype.hasOwnProperty.call(cells, used);
      // What each name meant in the notebook at this moment (NOT_A_CELL_NAME when no cell defines it).
      lookedUp?.set(used, defined ? cells[used] : NOT_A_CELL_NAME);
      if (!defined) continue;
      seen.add(used);
      const value = cells[used];
      if (written) {
        throw cannotTravel(
          user,
          used,
          `the function assigns to it, and each ${to} would change its own copy, never the notebook's`,
          `Share it instead (\`new Value("i", 0)\`, passed as an argument), or return the result.`,
        );
      }
      const fromLibrary = byValue.get(value);
      if (fromLibrary !== undefined && value !== undefined) definitions.push({ name: used, library: fromLibrary });
      else if (typeof value === "function") {
        const definition = sourceOf(value as (...args: any[]) => unknown, used, user);
        visit(definition, used);
        definitions.push({ name: used, source: definition });
      } else definitions.push({ name: used, value: copied(value, used, user, to) });
    }
  };
  visit(source, name);
  return definitions;
}
