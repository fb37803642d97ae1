/**
 * The rules on render options that more than the plan needs: the scene validator checks a
 * scene's `samples` with the very rule a render's `samples` option is checked by. Every error
 * names its option in an `option` field.
 *
 * @module
 */

import { show } from "../_format.ts";

/** A limit keeps a typo like `workers: 1e6` from trying to start a million threads. */
export const MAX_WORKERS = 256;

/**
 * The most samples per pixel: 65535² is the largest perfect square the core's u32 holds.
 *
 * @example
 * ```ts
 * import { MAX_SAMPLES } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(Math.sqrt(MAX_SAMPLES), 65535);
 * ```
 */
export const MAX_SAMPLES = 65535 * 65535;

/**
 * Checks that `value` is a positive integer, or throws a `TypeError`/`RangeError` naming
 * `name` and the value.
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => positiveInteger("workers", 0), {
 *   name: "RangeError",
 *   message: "workers must be a positive integer, got 0",
 * });
 * ```
 */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw optionError(TypeError, name, `must be a number, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw optionError(
      RangeError,
      name,
      `must be a positive integer, got ${show(value)}`,
    );
  }
  return value;
}

export function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw optionError(TypeError, name, `must be a number, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw optionError(
      RangeError,
      name,
      `must be a non-negative integer, got ${show(value)}`,
    );
  }
  return value;
}

/** A plan error: a `TypeError` or `RangeError` with the option it concerns as `option`. */
export type OptionError = (TypeError | RangeError) & {
  /** The option, as named in `RenderOptions` (`tileSize`, `region.x`, `samples`, …). */
  readonly option: string;
};

/**
 * Makes the error {@linkcode planRender} throws for an option: `"<option> <problem>"`, with
 * the option in its `option` field so a caller (the CLI) can name it its own way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optionError, optionOf } from "./plan.ts";
 * const error = optionError(RangeError, "tileSize", "must be a positive integer, got 0");
 * assert.equal(error.message, "tileSize must be a positive integer, got 0");
 * assert.equal(optionOf(error), "tileSize");
 * assert.equal(optionOf(new Error("x")), undefined);
 * ```
 */
export function optionError(
  kind: typeof TypeError | typeof RangeError,
  option: string,
  problem: string,
): OptionError {
  return Object.assign(new kind(`${option} ${problem}`), { option });
}

/**
 * The option a plan error concerns, or undefined for any other value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optionOf, planRender } from "./plan.ts";
 * import { scene } from "../../mod.ts";
 * const prepared = { description: scene({ width: 8, height: 8, elements: [], lights: [] }), textures: new Map() };
 * try {
 *   planRender(prepared, { samples: 8 }, 1);
 * } catch (error) {
 *   assert.equal(optionOf(error), "samples");
 * }
 * ```
 */
export function optionOf(error: unknown): string | undefined {
  const option = (error as { option?: unknown } | null)?.option;
  return (error instanceof TypeError || error instanceof RangeError) &&
      typeof option === "string"
    ? option
    : undefined;
}

/**
 * Checks a `workers` count: a positive integer of at most {@linkcode MAX_WORKERS}.
 *
 * @example
 * ```ts
 * import { checkWorkers } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkWorkers(2), 2);
 * assert.throws(() => checkWorkers(257), RangeError);
 * ```
 */
export function checkWorkers(value: unknown, name = "workers"): number {
  const workers = positiveInteger(name, value);
  if (workers > MAX_WORKERS) {
    throw optionError(
      RangeError,
      name,
      `must be at most ${MAX_WORKERS}, got ${workers}`,
    );
  }
  return workers;
}

/**
 * Checks a samples-per-pixel count: a perfect square from 1 to {@linkcode MAX_SAMPLES}.
 *
 * @example
 * ```ts
 * import { checkSamples } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkSamples(16), 16);
 * assert.throws(() => checkSamples(8), { message: "samples must be a perfect square (1, 4, 9, …), got 8" });
 * assert.throws(() => checkSamples(4294967296), RangeError);
 * ```
 */
export function checkSamples(
  value: unknown,
  name = "samples",
  square = true,
): number {
  const samples = positiveInteger(name, value);
  if (samples > MAX_SAMPLES) {
    throw optionError(
      RangeError,
      name,
      `must be at most 65535² = ${MAX_SAMPLES}, got ${samples}`,
    );
  }
  // The path tracer takes any count (random points in the pixel, not a grid).
  if (square && Math.sqrt(samples) % 1 !== 0) {
    throw optionError(
      RangeError,
      name,
      `must be a perfect square (1, 4, 9, …), got ${samples}`,
    );
  }
  return samples;
}
