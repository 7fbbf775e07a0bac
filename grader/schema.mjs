// The grader's schema in Node: grader/schema.json read once, and the roles and statuses it defines.
import { readFileSync } from "node:fs";

/** @type {{ definitions: Record<string, { enum?: string[] }> }} */
export const SCHEMA = JSON.parse(readFileSync(new URL("./schema.json", import.meta.url), "utf8"));

/**
 * The names of one of the schema's enums as an object (`ROLE.test === "test"`); naming a value the
 * schema does not define throws, so a renamed role or status cannot turn into a silent `undefined`.
 * @param {string} definition
 * @returns {Readonly<Record<string, string>>}
 */
function enumOf(definition) {
  const values = SCHEMA.definitions[definition]?.enum;
  if (!values) throw new Error(`grader/schema.json has no enum "${definition}"`);
  const names = Object.freeze(Object.fromEntries(values.map((v) => [v.replace(/ /g, "_"), v])));
  return new Proxy(names, {
    get(target, key) {
      if (typeof key === "string" && !Object.hasOwn(target, key))
        throw new Error(`grader/schema.json's ${definition} has no value "${key}"`);
      return Reflect.get(target, key);
    },
  });
}

/** What a cell of the graded notebook is (schema: role). */
export const ROLE = enumOf("role");
/** How one cell ran (schema: cellStatus). */
export const CELL_STATUS = enumOf("cellStatus");
/** An exercise's row in the gradebook (schema: exerciseStatus); `not run` is `EXERCISE_STATUS.not_run`. */
export const EXERCISE_STATUS = enumOf("exerciseStatus");
