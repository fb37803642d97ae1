/**
 * Private: how values and errors are put into messages, in one place.
 *
 * - Values: {@linkcode show} for an option's value (strings quoted, plain data as JSON),
 *   `describe` for a scene value in a "got …" clause (containers by kind: their contents are
 *   named by the JSON path instead), `orList` and `suggest` (did you mean …).
 * - Errors: {@linkcode errorMessage} (one line, any thrown value), `reason`/`rewrap`/
 *   `fileError` for operating-system errors restated with the file and what was being done,
 *   {@linkcode abortError} and {@linkcode abortable} for aborts.
 *
 * The value and error functions accept any value whatsoever (symbols, objects without a
 * prototype, objects whose `toString` throws) and never throw.
 *
 * @module
 */

/**
 * A value for a "got …" clause: strings quoted, plain data as JSON, anything else by kind.
 *
 * @example
 * ```ts
 * import { show } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(`got ${show("2")}, not ${show(2)}`, 'got "2", not 2');
 * assert.equal(show(Symbol("x")), "Symbol(x)");
 * assert.equal(show(Object.create(null)), "{}");
 * ```
 */
export function show(value: unknown): string {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(
          value.length > 60 ? `${value.slice(0, 57)}…` : value,
        );
      case "number":
        return Object.is(value, -0) ? "-0" : String(value);
      case "symbol":
        return value.toString();
      case "function":
        return `function ${value.name || "(anonymous)"}`;
      case "object":
        if (value === null) return "null";
        return JSON.stringify(value)?.slice(0, 200) ?? String(value);
      default:
        return String(value);
    }
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * An error's message (or the thrown value shown), one line, never throwing.
 *
 * @example
 * ```ts
 * import { errorMessage } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(errorMessage(new RangeError("too big")), "too big");
 * assert.equal(errorMessage("plain"), "plain");
 * ```
 */
export function errorMessage(error: unknown): string {
  try {
    const text = error instanceof Error
      ? error.message
      : typeof error === "string"
      ? error
      : show(error);
    // Some libraries' messages span lines; it goes into one.
    return text.replace(/\s+/g, " ").trim() ||
      (error instanceof Error ? error.name : "unknown error");
  } catch {
    return "unknown error";
  }
}

/**
 * The `AbortError` a render rejects with when `signal` aborts: the signal's reason when that
 * already is one, otherwise a new one that quotes the reason (any value works as a reason).
 *
 * @example
 * ```ts
 * import { abortError } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(abortError(AbortSignal.abort()).name, "AbortError");
 * assert.equal(abortError(AbortSignal.abort("stop")).message, "the render was aborted: stop");
 * assert.equal(abortError(AbortSignal.abort(Symbol("x"))).message, "the render was aborted: Symbol(x)");
 * ```
 */
export function abortError(
  signal: AbortSignal,
  what = "the render",
): DOMException {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === "AbortError") {
    return reason;
  }
  const text = reason === undefined
    ? ""
    : `: ${typeof reason === "string" ? reason : errorMessage(reason)}`;
  return new DOMException(`${what} was aborted${text}`, "AbortError");
}

/**
 * Settles as `promise` does, or rejects with the signal's `AbortError` ({@linkcode abortError}
 * of `options.what`) as soon as it aborts, at once if it already has. The work behind
 * `promise` is not stopped: its later rejection is ignored, and `options.onLateValue` is
 * given a value that arrives after the abort, to release it (close a file, say).
 *
 * @example
 * ```ts
 * import { abortable } from "./_format.ts";
 * import assert from "node:assert/strict";
 * const never = new Promise<void>(() => {});
 * await assert.rejects(abortable(never, AbortSignal.abort()), { name: "AbortError" });
 * assert.equal(await abortable(Promise.resolve(1), undefined), 1);
 * ```
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  options: { what?: string; onLateValue?: (value: T) => void } = {},
): Promise<T> {
  if (signal === undefined) return promise;
  const { what, onLateValue } = options;
  let aborted = signal.aborted;
  promise.then((value) => {
    if (aborted) onLateValue?.(value);
  }, () => {});
  if (aborted) return Promise.reject(abortError(signal, what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      aborted = true;
      reject(abortError(signal, what));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}

/**
 * A short, quoted rendering of a value for a "got …" clause: strings in JSON quotes, numbers
 * as written, containers only by kind (their contents are named by the path instead).
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value.length > 60
        ? `${JSON.stringify(value.slice(0, 57))}… (${value.length} characters)`
        : JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n (a bigint)`;
    case "boolean":
    case "undefined":
      return String(value);
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      if (value === null) return "null";
      if (Array.isArray(value)) return "an array";
      return "an object";
  }
}

/** `"A"`, `"A" or "B"`, `"A", "B" or "C"`. */
export function orList(names: readonly string[]): string {
  const quoted = names.map((name) => JSON.stringify(name));
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/**
 * The known name a mistyped one most likely meant, or undefined when none is close enough.
 * Case and underscores are ignored first (`lookAt` → `look_at`); otherwise the edit distance,
 * counting a swap of neighbours as one edit (`widht` → `width`), must be small for the length.
 */
export function suggest(
  name: string,
  known: readonly string[],
): string | undefined {
  const loose = (s: string) => s.toLowerCase().replaceAll(/[_\-\s]/g, "");
  const exact = known.find((candidate) => loose(candidate) === loose(name));
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        d[(i - 1) * cols + j] + 1,
        d[i * cols + j - 1] + 1,
        d[(i - 1) * cols + j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1];
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
