// A function sent to a worker thread or a child process travels as its source code: threads and
// processes share no JavaScript objects, only data. This file turns a function into that source.
import { TravelError } from "../core/errors";
import { guardedInfo } from "../core/guarded";
import { checkFunction } from "../core/validate";
import { partialInfo } from "./partials";

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

function compiles(expression: string): boolean {
  try {
    // Compiling only: the body is not run.
    new Function(`"use strict";\nreturn (${expression}\n);`);
    return true;
  } catch {
    return false;
  }
}

/** @internal How messages name a function: `` `work` `` or "the function". */
export function displayName(name: string): string {
  return name ? `\`${name}\`` : "the function";
}

/**
 * The source code of `fn` as a JavaScript expression that evaluates to the function: what travels
 * to a worker. A method shorthand (`work(x) { … }`, as a class or object method prints itself) is
 * turned into a function expression.
 *
 * @example
 * ```ts
 * functionSource((x: number) => x + 1); // "(x) => x + 1"
 * ```
 * Warning: this is the function's own source only; what it uses from the notebook's cells is found
 * by `cellDefinitions` and travels beside it (see `packFunction`). Built-in and bound
 * functions have no source (`[native code]`) and throw `TravelError`.
 */
export function functionSource(fn: (...args: any[]) => unknown): string {
  checkFunction("fn", fn);
  const partial = partialInfo(fn);
  if (partial) return partial.source;
  const guardedBy = guardedInfo(fn);
  if (guardedBy) return functionSource(guardedBy.inner);
  const raw = Function.prototype.toString.call(fn).trim();
  const name = fn.name;
  if (NATIVE.test(raw)) {
    throw new TravelError(
      `${displayName(name)} is a built-in or bound function (its source reads "[native code]"), so it cannot travel ` +
        `to a thread or process as source code. Wrap it in a function of your own, e.g. \`(x) => Math.sqrt(x)\`.`,
    );
  }
  if (compiles(raw)) return raw;
  // A method shorthand: `work(x) {…}`, `async work(x) {…}`, `*gen() {…}`, `async *gen() {…}`.
  const method = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(raw);
  if (method) {
    const [head, isAsync, isGenerator, methodName] = method;
    const asFunction = `${isAsync ? "async " : ""}function${isGenerator ? "*" : ""} ${methodName}${raw.slice(head.length - 1)}`;
    if (compiles(asFunction)) return asFunction;
    // A method named like a keyword (`delete(x) {…}`) cannot be a function name: keep it a method.
    const asMethod = `({ ${raw}\n })[${JSON.stringify(methodName)}]`;
    if (compiles(asMethod)) return asMethod;
  }
  throw new TravelError(
    `${displayName(name)} cannot travel to a thread or process: its source code does not compile on its own ` +
      `(getters, setters, computed method names and methods using \`super\` cannot travel). ` +
      `Write it as a plain function: \`function ${name || "work"}(…) { … }\`.`,
  );
}
