/**
 * The protocol between the main thread and `worker.ts`: discriminated unions on `kind`, every
 * render-related message tagged with the render it belongs to so a late message from an
 * earlier render can never be mistaken for one of the current render.
 *
 * @module
 */

import type { Region } from "../types.ts";

/**
 * A packed scene in shared memory (see `packed_scene.ts`), named by a key unique to its
 * content in this process, so that a worker that already built it keeps it.
 */
export interface SharedScene {
  /** Equal keys, equal bytes: `shareScene` numbers each scene it prepares. */
  readonly key: string;
  /** The packed bytes, with the core's BVH section. */
  readonly bytes: SharedArrayBuffer;
}

/** The view of one render, as the core's `set_view` takes it. */
export interface ViewMessage {
  /** Full image width. */
  readonly width: number;
  /** Full image height. */
  readonly height: number;
  /** Vertical field of view in degrees. */
  readonly fov: number;
  /** Samples per pixel. */
  readonly samples: number;
  /** Empty for the original's camera, else position, look-at and up (9 numbers). */
  readonly camera: Float64Array;
}

/**
 * What a worker writes per pixel: `"rgba8"`, the encoded image (4 bytes); `"linear"`, the
 * linear radiance before tone mapping (3 f32, from the core's `render_tile_linear`); or
 * `"features"`, that radiance, the first surface's albedo and normal (9 f32, from
 * `render_tile_features`, for the denoiser).
 */
export type PixelFormat = "rgba8" | "linear" | "features";

/**
 * A message from the main thread to a worker.
 *
 * - `init`: instantiate the wasm module (once per worker, before anything else).
 * - `render`: a render starts: build `scene` unless it is the one the worker holds, set the
 *   view, and write tiles into `output`, the `outputWidth`-wide image whose top-left pixel is
 *   (`originX`, `originY`) of the full image, in `pixels` format. `cancel` holds one Int32; non-zero stops the
 *   render inside the core.
 * - `tile`: render one tile into `output`.
 * - `release`: the render is over; drop its buffers.
 *
 * @example
 * ```ts
 * import type { ToWorker } from "./messages.ts";
 * const message: ToWorker = { kind: "tile", renderId: 1, index: 0, tile: { x: 0, y: 0, width: 32, height: 32 } };
 * ```
 */
export type ToWorker =
  | { kind: "init"; module: WebAssembly.Module }
  | {
    kind: "render";
    renderId: number;
    scene: SharedScene;
    view: ViewMessage;
    output: SharedArrayBuffer;
    pixels: PixelFormat;
    outputWidth: number;
    originX: number;
    originY: number;
    cancel: SharedArrayBuffer;
  }
  | { kind: "tile"; renderId: number; index: number; tile: Region }
  | { kind: "release"; renderId: number };

/**
 * A message from a worker to the main thread.
 *
 * - `sceneBuilt`: the worker built the render's scene (it did not hold it yet), in `ms`; its
 *   core's memory is now `memoryBytes` (wasm memory only grows).
 * - `tileDone`: the tile's pixels are in the shared output.
 * - `tileError`: rendering the tile threw; the worker may be unusable (a wasm trap poisons its
 *   instance), so the main thread replaces it.
 * - `renderError`: the scene or the view was refused by the core; deterministic, so the
 *   render fails.
 *
 * @example
 * ```ts
 * import type { FromWorker } from "./messages.ts";
 * const message: FromWorker = { kind: "tileDone", renderId: 1, index: 0 };
 * ```
 */
export type FromWorker =
  | { kind: "sceneBuilt"; renderId: number; ms: number; memoryBytes: number }
  | { kind: "tileDone"; renderId: number; index: number }
  | { kind: "tileError"; renderId: number; index: number; message: string }
  | { kind: "renderError"; renderId: number; message: string };
