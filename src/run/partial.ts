// partial: binds arguments by parameter name, like Python's functools.partial, in a form that travels.
import { RaceLabArgumentError } from "../core/errors";
import { guardedInfo } from "../core/guarded";
import { checkFunction } from "../core/validate";
import { displayName, functionSource } from "./function-source";
import { assemble, type Parameter, partialInfo, recordPartial } from "./partials";

/** Splits the parameter list of a function's source at its top-level commas. */
function parameterList(source: string): Parameter[] {
  const arrow = /^(async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return [{ name: arrow[2], rest: false }];
  const open = source.indexOf("(");
  if (open < 0) return [];
  const pieces: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      // Skip a string (or a template literal, without nested templates) in a default value.
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2) + 1 || source.length;
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        pieces.push(source.slice(start, i));
        break;
      }
    } else if (c === "," && depth === 1) {
      pieces.push(source.slice(start, i));
      start = i + 1;
    }
  }
  return pieces
    .map((p) => p.replace(/\/\*[\s\S]*?\*\//g, "").trim())
    .filter((p) => p !== "")
    .map((p) => {
      const rest = p.startsWith("...");
      const name = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(p)?.[1] ?? null;
      return { name, rest };
    });
}

/**
 * The names of `fn`'s parameters, read from its source (`null` for a destructured one).
 *
 * @example
 * ```ts
 * parameterNames(function work(n, filename = "x.txt") {}); // ["n", "filename"]
 * ```
 * Warning: reads the parameters from the source text: a destructured one gives `null`, and a function that cannot
 * travel throws.
 */
export function parameterNames(fn: (...args: any[]) => unknown): (string | null)[] {
  const info = partialInfo(fn);
  if (info) return info.parameters.filter((_, i) => !info.bound.has(i)).map((p) => p.name);
  functionSource(fn); // throws for functions that cannot travel
  return parameterList(Function.prototype.toString.call(fn)).map((p) => p.name);
}

/**
 * Binds some of `fn`'s arguments by parameter name, like Python's `functools.partial(work,
 * filename=f)`. The result takes the remaining parameters, in order. It can be called here, and it
 * travels to threads and processes (its source and its bound values travel together).
 *
 * @example
 * ```ts
 * function work(count: number, filename: string) { … }
 * await new Pool(2).map(partial(work, { filename: f }), [1000, 2000]); // work(1000, f), work(2000, f)
 * ```
 * Warning: bound values travel like arguments: data and shared objects only, and only threads can
 * receive shared-memory objects.
 */
export function partial<F extends (...args: any[]) => any>(fn: F, named: Record<string, unknown>): (...args: any[]) => ReturnType<F> {
  checkFunction("fn", fn);
  if (typeof named !== "object" || named === null || Array.isArray(named)) {
    throw new RaceLabArgumentError("named", "an object of { parameterName: value }", named);
  }
  const inner = partialInfo(fn);
  const source = inner ? inner.source : functionSource(fn);
  if (/^class\b/.test(source)) throw new RaceLabArgumentError("fn", "a function (not a class)", fn);
  // Parsed from the function's own text: a method named like a keyword travels wrapped in an object.
  const guardedBy = inner ? undefined : guardedInfo(fn);
  const parameters = inner ? inner.parameters : parameterList(Function.prototype.toString.call(guardedBy ? guardedBy.inner : fn));
  const bound = new Map(inner ? inner.bound : []);
  const name = inner ? inner.name : (guardedBy?.inner.name ?? fn.name);
  const listed = parameters.map((p) => (p.rest ? "..." : "") + (p.name ?? "(destructured)")).join(", ") || "none";
  for (const [key, value] of Object.entries(named)) {
    const index = parameters.findIndex((p) => p.name === key);
    if (index < 0 || parameters[index].rest) {
      throw new RaceLabArgumentError(
        `named.${key}`,
        `a parameter of ${displayName(name)} (its parameters: ${listed}; a rest parameter cannot be bound)`,
        key,
      );
    }
    bound.set(index, value);
  }
  const target = inner ? inner.target : fn;
  const bound_ = function (this: unknown, ...args: any[]) {
    return target.apply(this, assemble(bound, args));
  };
  Object.defineProperty(bound_, "name", { value: name });
  const guard = inner ? inner.guard : guardedBy?.guard;
  recordPartial(bound_, { source, name, parameters, bound, target, guard });
  return bound_;
}
