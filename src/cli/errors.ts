/**
 * How the CLI classifies failures: an `InputError` (`../_errors.ts`) is something wrong with what the
 * user gave (exit 2); anything else thrown while rendering or writing is a failure (exit 1); a
 * run whose signal was aborted was interrupted (exit 130).
 *
 * @module
 */

import { InputError } from "../_errors.ts";

/** Exit status: the image was written. */
export const EXIT_OK = 0;
/** Exit status: rendering or writing failed. */
export const EXIT_FAILURE = 1;
/** Exit status: the input (arguments, scene, paths) is wrong. */
export const EXIT_INPUT = 2;
/** Exit status: interrupted by SIGINT (128 + 2, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/**
 * The exit status for an error: 130 when `signal` was aborted (whatever was thrown on the way
 * out), 2 for an `InputError`, 1 otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitCodeFor } from "./errors.ts";
 * import { InputError } from "../_errors.ts";
 * assert.equal(exitCodeFor(new InputError("bad")), 2);
 * assert.equal(exitCodeFor(new Error("disk full")), 1);
 * assert.equal(exitCodeFor(new Error("aborted"), AbortSignal.abort()), 130);
 * ```
 */
export function exitCodeFor(error: unknown, signal?: AbortSignal): number {
  if (signal?.aborted) return EXIT_INTERRUPTED;
  return error instanceof InputError ? EXIT_INPUT : EXIT_FAILURE;
}
