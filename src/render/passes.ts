/**
 * The passes of a refining path-traced render: the image is rendered again with growing
 * sample counts, 1, 4, 16, … (four times more each time), ending at the render's own count.
 * The path tracer's random numbers are keyed by pixel, sample and bounce, so a pass of `n`
 * samples is the first `n` samples of every longer one, and the last pass is byte for byte the
 * image a single pass would make. Re-rendering from the start costs at most a third more than
 * one pass (1 + 1/4 + 1/16 + …).
 *
 * @module
 */

/**
 * The sample counts of a refining render of `samples` samples a pixel.
 *
 * @param samples The render's samples a pixel (a positive integer).
 * @returns 1, 4, 16, … below `samples`, then `samples`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passSamples } from "./passes.ts";
 * assert.deepEqual(passSamples(100), [1, 4, 16, 64, 100]);
 * assert.deepEqual(passSamples(64), [1, 4, 16, 64]);
 * assert.deepEqual(passSamples(1), [1]);
 * ```
 */
export function passSamples(samples: number): number[] {
  const passes: number[] = [];
  for (let s = 1; s < samples; s *= 4) passes.push(s);
  passes.push(samples);
  return passes;
}
