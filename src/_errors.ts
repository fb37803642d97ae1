/**
 * Private: errors, in one place — the one-line message of any thrown value
 * ({@linkcode errorMessage}), the error class for bad input ({@linkcode InputError}), and
 * operating-system errors restated with the file and what was being done (`reason`,
 * `rewrap`, {@linkcode fileError}). Cancellation is `./_abort.ts`; values in messages are
 * `./_format.ts`.
 *
 * Error classes that belong to the render farm (`FaultyNodeError`, `FarmTimeoutError`,
 * `FarmConnectError`) still live in `src/farm/`.
 *
 * @module
 */

import { printable, show } from "./_format.ts";

/**
 * Something wrong with the user's input: arguments, the scene file, its textures or the output
 * path. The message is meant for the user as it stands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./_errors.ts";
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

/** Longest message: longer ones (a huge JSON value quoted back) are cut. */
export const MAX_MESSAGE_LENGTH = 300;

/**
 * Any thrown value's message as one short line, never throwing: line breaks folded into
 * "; ", overlong text cut with "…" at {@linkcode MAX_MESSAGE_LENGTH} characters, control
 * characters escaped. The clause giving a permission flag the user is told to pass (`run with
 * --allow-ffi=/a/long/path`) is never cut, since a cut path is a flag that does not work; only
 * the text before it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorMessage } from "./_errors.ts";
 * assert.equal(errorMessage(new Error("first\n  second")), "first; second");
 * assert.equal(errorMessage("plain"), "plain");
 * assert.equal(errorMessage(new RangeError("")), "RangeError");
 * assert.equal(errorMessage(Object.create(null)), "{}");
 * const flag = `--allow-ffi=/${"d/".repeat(200)}addon.node`;
 * assert.ok(errorMessage(new Error(`${"x".repeat(400)}; run with ${flag}`)).endsWith(flag));
 * ```
 */
export function errorMessage(error: unknown): string {
  let raw: string;
  let name = "unknown error";
  try {
    if (error instanceof Error) {
      raw = String(error.message);
      name = String(error.name);
    } else raw = typeof error === "string" ? error : show(error);
  } catch {
    raw = "";
  }
  try {
    const line = raw.split(/\s*\r?\n\s*/).filter((part) => part !== "").join(
      "; ",
    );
    const text = printable(line.trim() === "" ? name : line);
    if (text.length <= MAX_MESSAGE_LENGTH) return text;
    const flagAt = text.search(/--allow-[a-z]+=/);
    if (flagAt === -1) return `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
    // The whole clause that gives the flag ("run with --allow-…"), not the flag alone.
    const clauseAt = text.lastIndexOf("; ", flagAt) + 2 || flagAt;
    // The text before it gets the usual room, so the message says what failed.
    return clauseAt <= MAX_MESSAGE_LENGTH
      ? text
      : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}… ${text.slice(clauseAt)}`;
  } catch {
    return "unknown error";
  }
}

/**
 * An error's message without Deno's trailer (`No such file or directory (os error 2): stat
 * '/a/b'`), since the message it goes into already names the file.
 */
export function reason(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? error.message : String(error);
  } catch {
    message = "unknown error";
  }
  // Some errors carry a stack trace in the message; the first line is the reason.
  return message.split("\n")[0].replace(/ \(os error \d+\)(?::.*)?$/, "");
}

/** An error of the same class (NotFound, PermissionDenied, NotCapable, …) with a new message. */
export function rewrap(error: unknown, message: string): Error {
  const Class = error instanceof Error
    ? error.constructor as new (
      message: string,
      options?: ErrorOptions,
    ) => Error
    : Error;
  const wrapped = new Class(message, { cause: error });
  // Built-in Deno error classes set their own name; keep the original's for any other class.
  if (error instanceof Error && wrapped.name !== error.name) {
    wrapped.name = error.name;
  }
  return wrapped;
}

/**
 * `error` restated as `cannot <action> <file>: <reason>`, keeping its class (NotFound,
 * PermissionDenied, …) and the original as its `cause`.
 */
export function fileError(action: string, file: string, error: unknown): Error {
  return rewrap(error, `cannot ${action} ${file}: ${reason(error)}`);
}
