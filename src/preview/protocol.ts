/**
 * What the preview server sends its page over the WebSocket: JSON text messages for what
 * happens ({@linkcode PreviewMessage}), and binary frames of pixels ({@linkcode encodePixelFrame}).
 * The page only listens; it sends nothing.
 *
 * @module
 */

/** A rectangle of the preview canvas. */
export interface CanvasRect {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** How a render went, for the page's last line. */
export interface PreviewTimings {
  /** Reading the scene. */
  loadMs: number;
  /** Rendering. */
  renderMs: number;
  /** Encoding. */
  encodeMs: number;
  /** Everything, writing included. */
  totalMs: number;
}

/**
 * A text message to the page.
 *
 * - `render`: a render starts; the canvas takes this size (keeping its pixels when the size is
 *   the same, so the old image stays until new tiles cover it).
 * - `progress`: the latest progress of render `generation`.
 * - `written`: the image was written to `output`.
 * - `failed`: the render or the scene failed; the canvas shows the last good image again.
 *
 * @example
 * ```ts
 * import type { PreviewMessage } from "./protocol.ts";
 * const message: PreviewMessage = { type: "failed", message: "scene.json: width must be a number" };
 * ```
 */
export type PreviewMessage =
  | {
    type: "render";
    generation: number;
    scene: string;
    output: string;
    width: number;
    height: number;
    canvasWidth: number;
    canvasHeight: number;
    workers: number;
  }
  | {
    type: "progress";
    generation: number;
    tilesDone: number;
    tilesTotal: number;
    pixelsDone: number;
    pixelsTotal: number;
    elapsedMs: number;
  }
  | {
    type: "written";
    generation: number;
    output: string;
    width: number;
    height: number;
    timings: PreviewTimings;
  }
  | { type: "failed"; message: string };

/** Bytes before the pixels in a binary frame: generation, x, y, width, height as u32 LE. */
export const PIXEL_FRAME_HEADER_BYTES = 20;

/**
 * A binary frame: `rect` of the canvas, as RGBA rows taken from `canvas` (`canvasWidth` wide),
 * after a header of five little-endian u32: generation, x, y, width, height.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePixelFrame, PIXEL_FRAME_HEADER_BYTES } from "./protocol.ts";
 * const canvas = new Uint8Array(4 * 2 * 4).map((_, i) => i); // 4×2 RGBA
 * const frame = encodePixelFrame(7, canvas, 4, { x: 1, y: 1, width: 2, height: 1 });
 * assert.equal(new DataView(frame.buffer).getUint32(0, true), 7);
 * assert.deepEqual([...frame.subarray(PIXEL_FRAME_HEADER_BYTES)], [20, 21, 22, 23, 24, 25, 26, 27]);
 * ```
 */
export function encodePixelFrame(
  generation: number,
  canvas: Uint8Array,
  canvasWidth: number,
  rect: CanvasRect,
): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(
    PIXEL_FRAME_HEADER_BYTES + rect.width * rect.height * 4,
  );
  const view = new DataView(frame.buffer);
  [generation, rect.x, rect.y, rect.width, rect.height].forEach((value, i) =>
    view.setUint32(i * 4, value, true)
  );
  const rowBytes = rect.width * 4;
  for (let row = 0; row < rect.height; row++) {
    const from = ((rect.y + row) * canvasWidth + rect.x) * 4;
    frame.set(
      canvas.subarray(from, from + rowBytes),
      PIXEL_FRAME_HEADER_BYTES + row * rowBytes,
    );
  }
  return frame;
}
