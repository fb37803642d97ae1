/**
 * What the CLI reports about a finished render: the `--json` object and the summary line.
 *
 * @module
 */

import { formatDuration, formatRate } from "./format.ts";

/** Milliseconds spent in each phase of a run. */
export interface Timings {
  /** Reading and validating the scene, decoding its textures. */
  loadMs: number;
  /** Rendering. */
  renderMs: number;
  /** Encoding the image. */
  encodeMs: number;
  /** The whole run, writing the file included. */
  totalMs: number;
}

/** The `--json` summary, as printed. */
export interface RenderSummary {
  /** The image file written. */
  output: string;
  /** Its width in pixels. */
  width: number;
  /** Its height in pixels. */
  height: number;
  /** Workers used. */
  workers: number;
  /** Tiles rendered. */
  tiles: number;
  /** Where the time went. */
  timings: Timings;
  /** A refining render's samples a pixel in the image written (the last pass kept). */
  samples?: number;
}

/**
 * The one-line summary for stderr: where the image is, its size, the time, the speed and the
 * workers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSummaryLine } from "./summary.ts";
 * const line = formatSummaryLine({
 *   output: "out/demo.png", width: 1000, height: 1000, workers: 2, tiles: 64,
 *   timings: { loadMs: 20, renderMs: 500, encodeMs: 60, totalMs: 600 },
 * });
 * assert.equal(line, "Wrote out/demo.png: 1000×1000 in 600ms (rendered in 500ms, 2.00 Mpx/s, 2 workers)");
 * ```
 */
export function formatSummaryLine(summary: RenderSummary): string {
  const { output, width, height, workers, timings } = summary;
  return `Wrote ${output}: ${width}×${height} in ${
    formatDuration(timings.totalMs)
  } ` +
    `(rendered in ${formatDuration(timings.renderMs)}, ` +
    `${formatRate(width * height, timings.renderMs)}, ` +
    `${workers} worker${workers === 1 ? "" : "s"}` +
    (summary.samples === undefined
      ? ""
      : `, ${summary.samples} sample${summary.samples === 1 ? "" : "s"}`) +
    ")";
}

/**
 * Rounds timings to 0.1 ms: the JSON is for people and scripts, not for nanoseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundTimings } from "./summary.ts";
 * const rounded = roundTimings({ loadMs: 1.23456, renderMs: 2, encodeMs: 3, totalMs: 6.23456 });
 * assert.ok(rounded.loadMs === 1.2 && rounded.totalMs === 6.2);
 * ```
 */
export function roundTimings(timings: Timings): Timings {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    loadMs: round(timings.loadMs),
    renderMs: round(timings.renderMs),
    encodeMs: round(timings.encodeMs),
    totalMs: round(timings.totalMs),
  };
}
