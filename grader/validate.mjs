// Validating the grader's messages in Node (the job, the verdict, the result) against grader/schema.json, with ajv.
import { createRequire } from "node:module";
import { SCHEMA } from "./schema.mjs";

const require = createRequire(import.meta.url);
// ajv's default class validates draft-07 (ajv 6 exports it as the module, ajv 8 also as `default`).
const AjvModule = require("ajv");
const Ajv = AjvModule.default ?? AjvModule;
const ajv = new Ajv({ allErrors: true });
ajv.addSchema(SCHEMA, "grader");
/** Each message's validator, compiled once at load. */
const VALIDATORS = Object.freeze(
  Object.fromEntries(["job", "verdict", "result"].map((kind) => [kind, ajv.getSchema(`grader#/definitions/${kind}`)])),
);

/**
 * Throws an Error naming the message and what is wrong with it unless `value` is a valid `kind`.
 * @param {"job" | "verdict" | "result"} kind
 * @param {unknown} value
 */
export function validate(kind, value) {
  const check = VALIDATORS[kind];
  if (!check) throw new Error(`grader/schema.json defines no message "${kind}"`);
  if (check(value)) return;
  const errors = /** @type {{ errors?: { instancePath?: string; dataPath?: string; message?: string }[] }} */ (check).errors ?? [];
  const why = errors
    .slice(0, 5)
    .map((e) => `${e.instancePath ?? e.dataPath ?? ""} ${e.message ?? ""}`.trim())
    .join("; ");
  throw new Error(`not a valid ${kind} (grader/schema.json): ${why}`);
}
