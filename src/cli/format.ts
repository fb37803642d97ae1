/**
 * Small formatters for durations and rates, shared by the progress line and the summary.
 *
 * @module
 */

/**
 * A duration for people: `850ms`, `4.2s`, `1m05s`, `2h03m`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./format.ts";
 * assert.equal(formatDuration(850), "850ms");
 * assert.equal(formatDuration(4230), "4.2s");
 * assert.equal(formatDuration(65_000), "1m05s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)}m${
      String(seconds % 60).padStart(2, "0")
    }s`;
  }
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${
    String(minutes % 60).padStart(2, "0")
  }m`;
}

/**
 * Megapixels per second, with three significant digits or so; `?` before any time passed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRate } from "./format.ts";
 * assert.equal(formatRate(2_000_000, 1000), "2.00 Mpx/s");
 * assert.equal(formatRate(123_456_789, 1000), "123 Mpx/s");
 * ```
 */
export function formatRate(pixels: number, ms: number): string {
  if (!(ms > 0)) return "? Mpx/s";
  const rate = pixels / ms / 1000;
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toFixed(digits)} Mpx/s`;
}
