/**
 * How the CLI classifies failures: an {@linkcode InputError} is something wrong with what the
 * user gave (exit 2); anything else thrown while rendering or writing is a failure (exit 1); a
 * run whose signal was aborted was interrupted (exit 130).
 *
 * @module
 */

/** Exit status: the image was written. */
export const EXIT_OK = 0;
/** Exit status: rendering or writing failed. */
export const EXIT_FAILURE = 1;
/** Exit status: the input (arguments, scene, paths) is wrong. */
export const EXIT_INPUT = 2;
/** Exit status: interrupted by SIGINT (128 + 2, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/**
 * Something wrong with the user's input: arguments, the scene file, its textures or the output
 * path. The message is meant for the user as it stands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./errors.ts";
 * const error = new InputError("--width must be a positive integer, got 0");
 * assert.equal(error.name, "InputError");
 * ```
 */
export class InputError extends Error {
  /** Makes an input error; `options.cause` keeps the original error for debugging. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}

/**
 * The exit status for an error: 130 when `signal` was aborted (whatever was thrown on the way
 * out), 2 for an {@linkcode InputError}, 1 otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exitCodeFor, InputError } from "./errors.ts";
 * assert.equal(exitCodeFor(new InputError("bad")), 2);
 * assert.equal(exitCodeFor(new Error("disk full")), 1);
 * assert.equal(exitCodeFor(new Error("aborted"), AbortSignal.abort()), 130);
 * ```
 */
export function exitCodeFor(error: unknown, signal?: AbortSignal): number {
  if (signal?.aborted) return EXIT_INTERRUPTED;
  return error instanceof InputError ? EXIT_INPUT : EXIT_FAILURE;
}

/** Longest message printed; longer ones (a huge JSON value quoted back) are cut. */
const MAX_MESSAGE_LENGTH = 300;

/**
 * The error's message as one short line: line breaks folded, overlong text cut with "…".
 * The clause giving a permission flag the user is told to pass (`run with
 * --allow-ffi=/a/long/path`) is never cut, since a cut path is a flag that does not work;
 * only the text before it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneLineMessage } from "./errors.ts";
 * assert.equal(oneLineMessage(new Error("first\n  second")), "first; second");
 * assert.equal(oneLineMessage("plain"), "plain");
 * const flag = `--allow-ffi=/${"d/".repeat(200)}addon.node`;
 * assert.ok(oneLineMessage(new Error(`${"x".repeat(400)}; run with ${flag}`)).endsWith(flag));
 * ```
 */
export function oneLineMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line = raw.split(/\s*\r?\n\s*/).filter((part) => part !== "").join(
    "; ",
  );
  const text = line === ""
    ? (error instanceof Error ? error.name : "unknown error")
    : line;
  if (text.length <= MAX_MESSAGE_LENGTH) return text;
  const flagAt = text.search(/--allow-[a-z]+=/);
  if (flagAt === -1) return `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
  // The whole clause that gives the flag ("run with --allow-…"), not the flag alone.
  const clauseAt = text.lastIndexOf("; ", flagAt) + 2 || flagAt;
  // The text before it gets the usual room, so the message says what failed.
  return clauseAt <= MAX_MESSAGE_LENGTH
    ? text
    : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}… ${text.slice(clauseAt)}`;
}
