/**
 * Private: how values and errors are put into messages, in one place. Every function here
 * accepts any value whatsoever (symbols, objects without a prototype, objects whose `toString`
 * throws, revoked proxies) and never throws.
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
    if (error instanceof Error) return error.message;
    return typeof error === "string" ? error : show(error);
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
