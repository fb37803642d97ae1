/**
 * Private: how values are put into messages, in one place: {@linkcode show} for an option's
 * value (strings quoted, plain data as JSON), `describe` for a scene value in a "got …"
 * clause (containers by kind: their contents are named by the JSON path instead), `orList`
 * and `suggest` (did you mean …). Errors are `./_errors.ts`; aborts `./_abort.ts`.
 *
 * The functions accept any value whatsoever (symbols, objects without a prototype, objects
 * whose `toString` throws, Proxies whose traps throw) and never throw.
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
    try {
      return Object.prototype.toString.call(value);
    } catch {
      // A Proxy whose traps throw.
      return "[object]";
    }
  }
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Text with its control characters (C0 and C1: NUL, escape, bare carriage returns, CSI, …) written as `\xNN`
 * and tabs as spaces, so that a message quoting a hostile file shows on one line and cannot
 * drive the terminal.
 *
 * @example
 * ```ts
 * import { printable } from "./_format.ts";
 * import assert from "node:assert/strict";
 * assert.equal(printable("v\0 1\x1b[2J"), "v\\x00 1\\x1b[2J");
 * ```
 */
export function printable(text: string): string {
  return text.replace(
    CONTROL,
    (c) =>
      c === "\t" ? " " : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * A short, quoted rendering of a value for a "got …" clause: strings in JSON quotes, numbers
 * as written, containers only by kind (their contents are named by the path instead).
 */
export function describe(value: unknown): string {
  try {
    return describeKind(value);
  } catch {
    // A revoked Proxy makes even Array.isArray throw.
    return "an object";
  }
}

function describeKind(value: unknown): string {
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
