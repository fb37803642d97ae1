/**
 * Private: cancellation, in one place. Every operation that takes an `AbortSignal` rejects,
 * when it aborts, with the error {@linkcode abortError} makes — an `AbortError` that quotes
 * the reason — whether the abort comes before it starts ({@linkcode throwIfAborted}), while it
 * waits ({@linkcode abortable}) or between two steps of a long computation
 * ({@linkcode yielder}). Any value is a valid reason, Proxies whose traps throw included: none
 * of these functions throws anything but the `AbortError`.
 *
 * @module
 */

import { show } from "./_format.ts";

/** What is aborted, for the message: "the render" unless a caller says otherwise. */
const DEFAULT_WHAT = "the render";

/**
 * The `AbortError` an operation rejects with when `signal` aborts: the signal's reason when
 * that already is an `AbortError`, otherwise a new one that quotes the reason (any value
 * works as a reason, even a Proxy whose every trap throws).
 *
 * @example
 * ```ts
 * import { abortError } from "./_abort.ts";
 * import assert from "node:assert/strict";
 * assert.equal(abortError(AbortSignal.abort()).name, "AbortError");
 * assert.equal(abortError(AbortSignal.abort("stop")).message, "the render was aborted: stop");
 * assert.equal(abortError(AbortSignal.abort(Symbol("x"))).message, "the render was aborted: Symbol(x)");
 * const hostile = new Proxy({}, { getPrototypeOf() { throw new Error("trap"); } });
 * assert.equal(abortError(AbortSignal.abort(hostile)).name, "AbortError");
 * ```
 */
export function abortError(
  signal: AbortSignal,
  what: string = DEFAULT_WHAT,
): DOMException {
  let reason: unknown;
  try {
    reason = signal.reason;
  } catch {
    reason = undefined;
  }
  try {
    if (reason instanceof DOMException && reason.name === "AbortError") {
      return reason;
    }
  } catch {
    // A Proxy's getPrototypeOf or get trap threw: the reason is not an AbortError.
  }
  return new DOMException(
    `${what} was aborted${reason === undefined ? "" : `: ${quote(reason)}`}`,
    "AbortError",
  );
}

/** A reason in one short line, never throwing. */
function quote(reason: unknown): string {
  try {
    let text: string;
    if (typeof reason === "string") text = reason;
    else if (typeof reason === "object" && reason !== null && isError(reason)) {
      text = String((reason as Error).message) ||
        String((reason as Error).name);
    } else text = show(reason);
    text = text.replace(/\s+/g, " ").trim();
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
  } catch {
    return "(a reason that cannot be shown)";
  }
}

function isError(value: object): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * Throws {@linkcode abortError} when `signal` has aborted (where `signal.throwIfAborted()`
 * would throw the bare reason, so that what a caller saw depended on when the abort came).
 *
 * @example
 * ```ts
 * import { throwIfAborted } from "./_abort.ts";
 * import assert from "node:assert/strict";
 * throwIfAborted(undefined);
 * assert.throws(() => throwIfAborted(AbortSignal.abort(7), "loading the scene"), {
 *   name: "AbortError",
 *   message: "loading the scene was aborted: 7",
 * });
 * ```
 */
export function throwIfAborted(
  signal: AbortSignal | undefined,
  what?: string,
): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/**
 * Settles as `promise` does, or rejects with the signal's `AbortError` ({@linkcode abortError}
 * of `options.what`) as soon as it aborts, at once if it already has. The work behind
 * `promise` is not stopped: its later rejection is ignored, and `options.onLateValue` is
 * given a value that arrives after the abort, to release it (close a file, say).
 *
 * @example
 * ```ts
 * import { abortable } from "./_abort.ts";
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

/** How long synchronous work runs between two yields to the event loop, in milliseconds. */
export const YIELD_EVERY_MS = 20;

/**
 * A function that long synchronous work (parsing, decompressing) awaits now and then: at
 * most every {@linkcode YIELD_EVERY_MS} it gives the event loop a turn — so timers, signals
 * (Ctrl-C) and aborts act — and then throws {@linkcode abortError} if `signal` has aborted.
 * Between yields it costs one clock read, so it can be called often (every few thousand
 * lines, every chunk).
 *
 * @example
 * ```ts
 * import { yielder } from "./_abort.ts";
 * import assert from "node:assert/strict";
 * const controller = new AbortController();
 * const pause = yielder(controller.signal, "loading the scene");
 * await pause();
 * controller.abort("stop");
 * await assert.rejects(pause(true), { name: "AbortError", message: "loading the scene was aborted: stop" });
 * ```
 */
export function yielder(
  signal: AbortSignal | undefined,
  what?: string,
): (force?: boolean) => Promise<void> {
  let last = performance.now();
  return async (force = false) => {
    throwIfAborted(signal, what);
    const now = performance.now();
    if (!force && now - last < YIELD_EVERY_MS) return;
    // A macrotask, not a microtask: timers and signal handlers run only between tasks.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = performance.now();
    throwIfAborted(signal, what);
  };
}
