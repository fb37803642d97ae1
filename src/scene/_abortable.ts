// Private: the scene loaders' use of the one abortable helper (src/_abort.ts).

import { abortable as settleOrAbort } from "../_abort.ts";

/**
 * Settles as `promise` does, or rejects with an `AbortError` ("loading the scene was aborted")
 * as soon as the signal aborts. The work behind `promise` is not stopped; `onLateValue` is
 * given its value if it arrives after the abort, to release it (close a file, say).
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onLateValue?: (value: T) => void,
): Promise<T> {
  return settleOrAbort(promise, signal, {
    what: "loading the scene",
    onLateValue,
  });
}
