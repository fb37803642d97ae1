/**
 * The protocol between the main thread and `worker.ts`: discriminated unions on `kind`, every
 * message tagged with the render it belongs to so a late message from an earlier render can
 * never be mistaken for one of the current render.
 *
 * @module
 */

import type { PackedScene } from "./scene_to_wasm.ts";

/**
 * A rectangle of the full image, in pixels.
 *
 * @example
 * ```ts
 * import type { TileRect } from "./messages.ts";
 * const tile: TileRect = { x: 64, y: 128, width: 64, height: 64 };
 * ```
 */
export interface TileRect {
  /** Left edge in the full image. */
  readonly x: number;
  /** Top edge in the full image. */
  readonly y: number;
  /** Width in pixels (≥ 1). */
  readonly width: number;
  /** Height in pixels (≥ 1). */
  readonly height: number;
}

/**
 * A message from the main thread to a worker.
 *
 * - `init`: instantiate the wasm module (once per worker, before anything else).
 * - `scene`: build the scene for a render and where its pixels go: `output` holds the
 *   `outputWidth`-wide image whose top-left pixel is (`originX`, `originY`) of the full image.
 * - `tile`: render one tile into `output`; `attempt` is 0, or 1 for the retry.
 * - `release`: the render is over; free its scene.
 *
 * @example
 * ```ts
 * import type { ToWorker } from "./messages.ts";
 * const message: ToWorker = {
 *   kind: "tile",
 *   renderId: 1,
 *   index: 0,
 *   tile: { x: 0, y: 0, width: 32, height: 32 },
 *   attempt: 0,
 * };
 * ```
 */
export type ToWorker =
  | { kind: "init"; renderId: number; module: WebAssembly.Module }
  | {
    kind: "scene";
    renderId: number;
    scene: PackedScene;
    output: SharedArrayBuffer;
    outputWidth: number;
    originX: number;
    originY: number;
  }
  | {
    kind: "tile";
    renderId: number;
    index: number;
    tile: TileRect;
    attempt: number;
  }
  | { kind: "release"; renderId: number };

/**
 * A message from a worker to the main thread.
 *
 * - `tileDone`: the tile's pixels are in the shared output.
 * - `tileError`: rendering the tile threw; the worker may be unusable (a wasm trap poisons its
 *   instance), so the main thread replaces it.
 * - `sceneError`: the scene could not be built; deterministic, so the render fails.
 *
 * @example
 * ```ts
 * import type { FromWorker } from "./messages.ts";
 * const message: FromWorker = { kind: "tileDone", renderId: 1, index: 0 };
 * ```
 */
export type FromWorker =
  | { kind: "tileDone"; renderId: number; index: number }
  | { kind: "tileError"; renderId: number; index: number; message: string }
  | { kind: "sceneError"; renderId: number; message: string };
