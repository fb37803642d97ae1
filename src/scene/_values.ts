// Private: the checks of single values that every part of the scene validator shares (objects
// and their fields, numbers as the core stores them, points and directions, externally tagged
// variants). Each throws a TypeError or RangeError whose message starts with the JSON path.

import type { Point, Vector } from "../types.ts";
import { describe, orList, suggest } from "../_format.ts";
import { squaredLength } from "./_core_geometry.ts";
import { F32_MAX, F32_OVERFLOW, U32_MAX } from "./limits.ts";

/** A JSON object's fields. */
export type Fields = Record<string, unknown>;

/** An array of finite numbers, copied. */
export function numbers(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${path} must be an array, got ${describe(value)}`);
  }
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) {
    const n = value[i];
    if (typeof n !== "number") {
      throw new TypeError(
        `${path}[${i}] must be a number, got ${describe(n)}`,
      );
    }
    if (!Number.isFinite(n)) {
      throw new RangeError(
        `${path}[${i}] must be a finite number, got ${describe(n)}`,
      );
    }
    out[i] = n;
  }
  return out;
}

export function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new TypeError(
      `${path} must be a non-empty string, got ${describe(value)}`,
    );
  }
  if (value === "") {
    throw new RangeError(`${path} must be a non-empty string, got ""`);
  }
  return value;
}

export function point(value: unknown, path: string): Point {
  const o = fields(value, path, ["x", "y", "z"]);
  const coordinate = (name: string) =>
    number(required(o, path, name), join(path, name), "a number", () => true);
  return { x: coordinate("x"), y: coordinate("y"), z: coordinate("z") };
}

/** A vector the renderer will normalise, so its length must be a usable divisor. */
export function direction(value: unknown, path: string): Vector {
  const v = point(value, path);
  if (v.x === 0 && v.y === 0 && v.z === 0) {
    throw new RangeError(
      `${path} must be a non-zero vector, got ${vectorText(v)}`,
    );
  }
  const squared = squaredLength(v);
  if (squared === 0 || !Number.isFinite(squared)) {
    throw new RangeError(
      `${path} is too ${
        squared === 0 ? "short" : "long"
      } to normalise (its squared length is ${squared}), got ${vectorText(v)}`,
    );
  }
  return v;
}

export function list<T>(
  value: unknown,
  path: string,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${path} must be an array, got ${describe(value)}`);
  }
  // A plain loop rather than map(), which would skip the holes of a sparse array.
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) {
    out.push(item(value[i], `${path}[${i}]`));
  }
  return out;
}

/**
 * The one key of an externally tagged variant object, its value and the value's path.
 */
export function variant(
  value: unknown,
  path: string,
  names: readonly string[],
): [string, unknown, string] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `${path} must be an object with one key, ${orList(names)}, got ${
        describe(value)
      }`,
    );
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new TypeError(
      `${path} must have exactly one key, ${orList(names)}, got ${
        keys.length === 0
          ? "an empty object"
          : `${keys.length} keys: ${
            keys.slice(0, 5).map((k) => describe(k)).join(", ")
          }${keys.length > 5 ? ", …" : ""}`
      }`,
    );
  }
  const name = keys[0];
  if (!names.includes(name)) {
    throw new TypeError(unknownVariant(path, name, names));
  }
  return [name, (value as Fields)[name], join(path, name)];
}

export function unknownVariant(
  path: string,
  name: string,
  names: readonly string[],
): string {
  const guess = suggest(name, names);
  // Names are quoted as values are (describe): a 10,000-character key is cut.
  return `${path} has unknown variant ${describe(name)}, expected ${
    orList(names)
  }${guess === undefined ? "" : `; did you mean ${JSON.stringify(guess)}?`}`;
}

/** The value as an object, after rejecting any field not in `known`. */
export function fields(
  value: unknown,
  path: string,
  known: readonly string[],
  // Built only when throwing: a scene of 100,000 spheres calls this 600,000 times.
  what?: string,
): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const expected = what ??
      `an object with the fields ${orList(known).replace(" or ", " and ")}`;
    throw new TypeError(
      `${path === "" ? "the scene" : path} must be ${expected}, got ${
        describe(value)
      }`,
    );
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = path === "" ? "at top level" : `at ${path}`;
    const guess = suggest(key, known);
    throw new TypeError(
      `unknown field ${describe(key)} ${where}, ${
        guess === undefined
          ? `expected ${orList(known)}`
          : `did you mean ${JSON.stringify(guess)}?`
      }`,
    );
  }
  return value as Fields;
}

export function required(o: Fields, path: string, key: string): unknown {
  const value = o[key];
  if (value === undefined) {
    throw new TypeError(`${join(path, key)} is missing`);
  }
  return value;
}

/** A finite JavaScript number (JSON can still hold 1e999, which parses as Infinity). */
export function number(
  value: unknown,
  path: string,
  what: string,
  ok: (n: number) => boolean,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`${path} must be ${what}, got ${describe(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `${path} must be a finite number, got ${describe(value)}`,
    );
  }
  if (!ok(value)) {
    throw new RangeError(`${path} must be ${what}, got ${describe(value)}`);
  }
  return value;
}

/** A number the renderer keeps as f32, so it must not round to infinity there. */
export function f32(
  value: unknown,
  path: string,
  what: string,
  ok: (n: number) => boolean,
): number {
  const n = number(value, path, what, ok);
  if (!Number.isFinite(Math.fround(n))) {
    throw new RangeError(
      `${path} must be less than ${F32_OVERFLOW} to fit a 32-bit float (whose largest value is ${F32_MAX}), got ${
        describe(n)
      }`,
    );
  }
  return n;
}

export function u32(
  value: unknown,
  path: string,
  min: 0 | 1,
  what = min === 1 ? "a positive integer" : "a non-negative integer",
  max = U32_MAX,
): number {
  const n = number(value, path, what, (n) => Number.isInteger(n) && n >= min);
  if (n > max) {
    throw new RangeError(
      `${path} must be at most ${max}${
        max === U32_MAX ? " (it is a 32-bit unsigned integer)" : ""
      }, got ${n}`,
    );
  }
  return n;
}

export function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

export function vectorText(v: Vector): string {
  return `{"x": ${describe(v.x)}, "y": ${describe(v.y)}, "z": ${
    describe(v.z)
  }}`;
}
