/**
 * The preview's copy of the image being rendered, at most {@linkcode MAX_PREVIEW_SIDE} pixels
 * on its long side, painted tile by tile.
 *
 * @module
 */

import type { RenderedTile } from "../render/plan.ts";
import type { CanvasRect } from "./protocol.ts";

/** The longest side a preview canvas has; larger images are shown scaled down to it. */
export const MAX_PREVIEW_SIDE = 2048;

/**
 * The canvas size for a `width × height` image: the same, or scaled down (keeping the aspect
 * ratio) so the long side is {@linkcode MAX_PREVIEW_SIDE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { previewSize } from "./canvas.ts";
 * assert.deepEqual(previewSize(640, 480), { width: 640, height: 480 });
 * assert.deepEqual(previewSize(8192, 4096), { width: 2048, height: 1024 });
 * ```
 */
export function previewSize(
  width: number,
  height: number,
): { width: number; height: number } {
  const scale = Math.min(1, MAX_PREVIEW_SIDE / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * An RGBA canvas showing an image (or a region of one) as its tiles land. Scaled down, each
 * canvas pixel takes the image pixel under its centre, so every tile paints its own canvas
 * pixels and no other, whatever order tiles come in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PreviewCanvas } from "./canvas.ts";
 * const canvas = new PreviewCanvas(4, 2);
 * const rect = canvas.paint({ x: 2, y: 0, width: 2, height: 2, pixels: new Uint8Array(16).fill(9) });
 * assert.deepEqual(rect, { x: 2, y: 0, width: 2, height: 2 });
 * assert.equal(canvas.pixels[2 * 4], 9);
 * assert.equal(canvas.pixels[0], 0);
 * ```
 */
export class PreviewCanvas {
  /** Canvas width. */
  readonly width: number;
  /** Canvas height. */
  readonly height: number;
  /** RGBA rows, top first. */
  readonly pixels: Uint8Array;
  readonly #imageWidth: number;
  readonly #imageHeight: number;
  readonly #originX: number;
  readonly #originY: number;

  /**
   * A blank canvas for an `imageWidth × imageHeight` image whose top left pixel is at
   * (`originX`, `originY`) in the full image's coordinates (a region's corner; 0, 0 otherwise).
   */
  constructor(
    imageWidth: number,
    imageHeight: number,
    originX = 0,
    originY = 0,
  ) {
    const size = previewSize(imageWidth, imageHeight);
    this.width = size.width;
    this.height = size.height;
    this.pixels = new Uint8Array(this.width * this.height * 4);
    this.#imageWidth = imageWidth;
    this.#imageHeight = imageHeight;
    this.#originX = originX;
    this.#originY = originY;
  }

  /** A copy of this canvas, pixels and all. */
  clone(): PreviewCanvas {
    const copy = new PreviewCanvas(
      this.#imageWidth,
      this.#imageHeight,
      this.#originX,
      this.#originY,
    );
    copy.pixels.set(this.pixels);
    return copy;
  }

  /** Paints `tile` (full-image coordinates) and returns the canvas rectangle it changed, if any. */
  paint(tile: RenderedTile): CanvasRect | undefined {
    const left = tile.x - this.#originX;
    const top = tile.y - this.#originY;
    const columns = span(left, left + tile.width, this.width, this.#imageWidth);
    const rows = span(top, top + tile.height, this.height, this.#imageHeight);
    if (columns === undefined || rows === undefined) return undefined;
    for (let cy = rows.start; cy < rows.end; cy++) {
      const sy = sourceOf(cy, this.height, this.#imageHeight) - top;
      for (let cx = columns.start; cx < columns.end; cx++) {
        const sx = sourceOf(cx, this.width, this.#imageWidth) - left;
        const from = (sy * tile.width + sx) * 4;
        const to = (cy * this.width + cx) * 4;
        this.pixels[to] = tile.pixels[from];
        this.pixels[to + 1] = tile.pixels[from + 1];
        this.pixels[to + 2] = tile.pixels[from + 2];
        this.pixels[to + 3] = tile.pixels[from + 3];
      }
    }
    return {
      x: columns.start,
      y: rows.start,
      width: columns.end - columns.start,
      height: rows.end - rows.start,
    };
  }
}

/** The image pixel shown by canvas pixel `c` (one axis). */
function sourceOf(c: number, canvasSize: number, imageSize: number): number {
  return Math.floor((c + 0.5) * imageSize / canvasSize);
}

/** The canvas pixels (one axis) whose image pixel is in `[from, to)`; undefined if none. */
function span(
  from: number,
  to: number,
  canvasSize: number,
  imageSize: number,
): { start: number; end: number } | undefined {
  let start = Math.max(0, Math.floor(from * canvasSize / imageSize) - 1);
  while (start < canvasSize && sourceOf(start, canvasSize, imageSize) < from) {
    start++;
  }
  let end = start;
  while (end < canvasSize && sourceOf(end, canvasSize, imageSize) < to) end++;
  return end > start ? { start, end } : undefined;
}

/**
 * The smallest rectangle holding `a` and `b`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unionRect } from "./canvas.ts";
 * const rect = unionRect({ x: 0, y: 0, width: 2, height: 2 }, { x: 4, y: 1, width: 2, height: 2 });
 * assert.deepEqual(rect, { x: 0, y: 0, width: 6, height: 3 });
 * ```
 */
export function unionRect(
  a: CanvasRect | undefined,
  b: CanvasRect,
): CanvasRect {
  if (a === undefined) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}
