/**
 * The progress display on stderr. On a terminal: one line redrawn in place (bar, tiles,
 * percent, Mpx/s, ETA), at most ten times a second. Elsewhere (a log, a pipe), redraws would
 * be noise, so it writes a plain line when the render starts and one every few seconds.
 *
 * @module
 */

import type { RenderProgress } from "../render/plan.ts";
import { formatDuration, formatRate } from "./format.ts";

/** The widest bar drawn; narrower terminals get a shorter one, or none. */
const MAX_BAR_WIDTH = 30;

/**
 * The progress line's text, fitted into `columns` (one column spare, as writing the last
 * column wraps on some terminals).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProgressLine } from "./progress.ts";
 * const line = formatProgressLine(
 *   { tilesDone: 25, tilesTotal: 100, pixelsDone: 250_000, elapsedMs: 500 },
 *   1_000_000,
 *   80,
 * );
 * assert.ok(line.includes("25/100 tiles") && line.includes("25%"));
 * assert.ok(line.includes("0.50 Mpx/s") && line.includes("ETA 1.5s"));
 * ```
 */
export function formatProgressLine(
  progress: RenderProgress,
  pixelsTotal: number,
  columns: number,
  etaMs?: number,
) {
  const { tilesDone, tilesTotal, pixelsDone, elapsedMs } = progress;
  const fraction = pixelsTotal > 0 ? Math.min(1, pixelsDone / pixelsTotal) : 1;
  const percent = `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;
  const eta = fraction >= 1
    ? "0s"
    : etaMs !== undefined
    ? formatDuration(etaMs)
    : pixelsDone > 0
    ? formatDuration((pixelsTotal - pixelsDone) * elapsedMs / pixelsDone)
    : "?";
  const text = `${tilesDone}/${tilesTotal} tiles  ${percent.padStart(5)}  ` +
    `${formatRate(pixelsDone, elapsedMs)}  ETA ${eta}`;
  const room = columns - 1 - text.length - 3;
  if (room < 5) return text.slice(0, Math.max(0, columns - 1));
  const width = Math.min(MAX_BAR_WIDTH, room);
  const filled = Math.floor(fraction * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${text}`;
}

/**
 * The time a render still needs, from its progress reports. Tiles do not cost the same: the
 * sky is cheap, a glass sphere over a textured floor dear, and tiles are rendered row by row,
 * so the average rate since the start runs low while the cheap rows are done and the dear ones
 * to come (at 22% of the bundled scene it said 0.64 s with 1.0 s left). The estimate uses the
 * slower of that average and the rate over the latest quarter of the elapsed time, so it rises
 * as soon as the tiles get dearer and never falls on a burst of cheap ones. What no rate can
 * know (dear rows not yet reached) it cannot foresee: it is an estimate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EtaEstimator } from "./progress.ts";
 * const eta = new EtaEstimator(100);
 * eta.update(10, 10); // 10 px in the first 10 ms…
 * eta.update(20, 20);
 * assert.equal(eta.update(30, 30), 70); // …then steadily 1 px/ms: 70 ms for the 70 left
 * ```
 */
export class EtaEstimator {
  #pixelsTotal: number;
  #samples: { ms: number; pixels: number }[] = [];

  /** An estimator for a render of `pixelsTotal` pixels. */
  constructor(pixelsTotal: number) {
    this.#pixelsTotal = pixelsTotal;
  }

  /**
   * Takes a report (`elapsedMs` since the render started, `pixelsDone` so far) and returns
   * the estimated milliseconds left, or `undefined` before anything is done.
   */
  update(elapsedMs: number, pixelsDone: number): number | undefined {
    const samples = this.#samples;
    samples.push({ ms: elapsedMs, pixels: pixelsDone });
    // Keep what the window needs: everything within the latest quarter of the elapsed time,
    // and the last sample before it.
    const windowStart = elapsedMs * 0.75;
    while (samples.length > 2 && samples[1].ms <= windowStart) samples.shift();
    const left = this.#pixelsTotal - pixelsDone;
    if (pixelsDone <= 0 || elapsedMs <= 0) return undefined;
    if (left <= 0) return 0;
    let perPixel = elapsedMs / pixelsDone;
    const from = samples[0];
    const recentMs = elapsedMs - from.ms;
    const recentPixels = pixelsDone - from.pixels;
    if (recentMs > 0 && recentPixels > 0) {
      perPixel = Math.max(perPixel, recentMs / recentPixels);
    }
    return left * perPixel;
  }
}

/** Where and how {@linkcode ProgressDisplay} writes. */
export interface ProgressDisplayOptions {
  /** Writes text to stderr (or wherever), as is. */
  write: (text: string) => void;
  /** Whether the output is a terminal that can redraw a line. */
  terminal: boolean;
  /** Pixels in the whole render, for the percentage and the ETA. */
  pixelsTotal: number;
  /** The terminal's width now (it may be resized); default 80. */
  columns?: () => number;
  /** The clock, in milliseconds; default `performance.now`. */
  now?: () => number;
  /** Least time between redraws on a terminal; default 100 ms. */
  redrawMs?: number;
  /** Least time between plain lines elsewhere; default 5 s. */
  plainMs?: number;
}

/**
 * Shows a render's progress; feed it the renderer's progress reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProgressDisplay } from "./progress.ts";
 * let written = "";
 * const display = new ProgressDisplay({
 *   write: (text) => written += text,
 *   terminal: false,
 *   pixelsTotal: 100,
 * });
 * display.start("Rendering scene.json at 10×10");
 * display.update({ tilesDone: 1, tilesTotal: 4, pixelsDone: 25, elapsedMs: 10 });
 * display.clear();
 * assert.equal(written, "Rendering scene.json at 10×10\n");
 * ```
 */
export class ProgressDisplay {
  #options: Required<ProgressDisplayOptions>;
  #lastWrite = -Infinity;
  #drawn = false;
  #eta: EtaEstimator;

  /** Makes a display; nothing is written until {@linkcode ProgressDisplay.start}. */
  constructor(options: ProgressDisplayOptions) {
    this.#options = {
      columns: () => 80,
      now: () => performance.now(),
      redrawMs: 100,
      plainMs: 5000,
      ...options,
    };
    this.#eta = new EtaEstimator(options.pixelsTotal);
  }

  /** Announces the render; elsewhere than on a terminal this is a plain line. */
  start(description: string): void {
    if (this.#options.terminal) return;
    this.#options.write(`${description}\n`);
    this.#lastWrite = this.#options.now();
  }

  /** Takes a progress report; draws it if enough time has passed since the last drawing. */
  update(progress: RenderProgress): void {
    const { terminal, write, now, redrawMs, plainMs, pixelsTotal, columns } =
      this.#options;
    const time = now();
    const finished = progress.tilesDone >= progress.tilesTotal;
    // Every report counts for the estimate, drawn or not.
    const eta = this.#eta.update(progress.elapsedMs, progress.pixelsDone);
    if (terminal) {
      if (time - this.#lastWrite < redrawMs && !finished) return;
      // \r and erase-to-end redraw in place, even when the new line is shorter.
      const line = formatProgressLine(progress, pixelsTotal, columns(), eta);
      write(`\r${line}\x1b[K`);
      this.#drawn = true;
    } else {
      if (time - this.#lastWrite < plainMs || finished) return;
      write(`${formatProgressLine(progress, pixelsTotal, 80, eta)}\n`);
    }
    this.#lastWrite = time;
  }

  /** Erases the redrawn line, if any, so that what follows starts on a clean line. */
  clear(): void {
    if (!this.#drawn) return;
    this.#options.write("\r\x1b[K");
    this.#drawn = false;
  }
}
