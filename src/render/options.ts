/**
 * Render options: their types, and their validation against a scene.
 *
 * @module
 */

import type { Region, SceneDescription } from "../types.ts";

/**
 * How far a render has got, passed to {@linkcode RenderOptions.onProgress} after each tile.
 *
 * @example
 * ```ts
 * import type { RenderProgress } from "./options.ts";
 * const report = (p: RenderProgress) => `${p.tilesDone}/${p.tilesTotal} tiles`;
 * ```
 */
export interface RenderProgress {
  /** Tiles finished so far. */
  tilesDone: number;
  /** Tiles in this render. */
  tilesTotal: number;
  /** Pixels finished so far. */
  pixelsDone: number;
  /** Milliseconds since the render started (after waiting for earlier renders). */
  elapsedMs: number;
}

/**
 * One finished tile, passed to {@linkcode RenderOptions.onTile}: its rectangle in the full
 * image and a copy of its pixels, so a preview or a render node can use them while the render
 * goes on.
 *
 * @example
 * ```ts
 * import type { RenderedTile } from "./options.ts";
 * const area = (t: RenderedTile) => t.width * t.height; // t.pixels.length === area * 4
 * ```
 */
export interface RenderedTile {
  /** Left edge in the full image. */
  x: number;
  /** Top edge in the full image. */
  y: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width × height` RGBA8 pixels, rows top first; the listener's own copy. */
  pixels: Uint8Array;
}

/**
 * Options for one render.
 *
 * @example
 * ```ts
 * import type { RenderOptions } from "./options.ts";
 * const options: RenderOptions = {
 *   workers: 2,
 *   width: 320,
 *   height: 240,
 *   region: { x: 0, y: 0, width: 160, height: 120 },
 *   signal: AbortSignal.timeout(60_000),
 *   onProgress: ({ tilesDone, tilesTotal }) => void `${tilesDone}/${tilesTotal}`,
 * };
 * ```
 */
export interface RenderOptions {
  /** Workers to render with; default `navigator.hardwareConcurrency` (or the Renderer's). */
  workers?: number;
  /** Tile edge in pixels; default {@linkcode DEFAULT_TILE_SIZE}. */
  tileSize?: number;
  /** Image width, overriding the scene's; the camera is re-derived for the new size. */
  width?: number;
  /** Image height, overriding the scene's. */
  height?: number;
  /** Samples per pixel (a perfect square), overriding the scene's. */
  samples?: number;
  /** Render only this rectangle of the full image; the result is region-sized. */
  region?: Region;
  /** Aborting rejects the render with a `DOMException` named `AbortError`. */
  signal?: AbortSignal;
  /** Called after each finished tile. */
  onProgress?: (progress: RenderProgress) => void;
  /**
   * Called with each finished tile's pixels as soon as it lands, in completion order (before
   * `onProgress` for the same tile). Throwing fails the render.
   */
  onTile?: (tile: RenderedTile) => void;
}

/**
 * Options the tests use; not part of the public API.
 *
 * @example
 * ```ts
 * import type { InternalRenderOptions } from "./options.ts";
 * const options: InternalRenderOptions = { tileOrder: "shuffle" };
 * ```
 */
export interface InternalRenderOptions extends RenderOptions {
  /** The order tiles are handed out in; default `"rows"`. */
  tileOrder?: "rows" | "reverse" | "shuffle";
  /**
   * The buffer to render into, at least region-sized; default a new one. Lets a banded render
   * reuse two buffers: workers only drop their reference to a finished render's buffer when
   * their own garbage collector next runs, which with little JS allocation may be never.
   */
  output?: SharedArrayBuffer;
}

/**
 * The tile edge used when none is given. From the sweep in `bench/render_bench.ts` (the
 * original's scene at 1920×1080, 2 workers, 2 cores): the main thread spends roughly 50–70 µs
 * per tile on messages, which at 32 px (2,040 tiles) is ~150 ms of CPU taken from the workers
 * and at 16 px ~400 ms; at 64 px it is ~45 ms (under 2% of the render), while 510 tiles still
 * balance the two workers to within one small tile at the end. 128 and 256 gain nothing more.
 *
 * @example
 * ```ts
 * import { DEFAULT_TILE_SIZE } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.ok(Number.isInteger(DEFAULT_TILE_SIZE) && DEFAULT_TILE_SIZE > 0);
 * ```
 */
export const DEFAULT_TILE_SIZE = 64;

/**
 * Fully resolved options for one render.
 *
 * @example
 * ```ts
 * import { resolveRenderOptions, type ResolvedRenderOptions } from "./options.ts";
 * const scene = {
 *   width: 8, height: 6, fov: 90, elements: [], lights: [],
 *   shadow_bias: 1e-13, max_recursion_depth: 10,
 * };
 * const resolved: ResolvedRenderOptions = resolveRenderOptions(scene, {}, 2);
 * ```
 */
export interface ResolvedRenderOptions {
  /** Workers to use. */
  workers: number;
  /** Tile edge. */
  tileSize: number;
  /** Full image width. */
  width: number;
  /** Full image height. */
  height: number;
  /** Samples per pixel. */
  samples: number;
  /** The rectangle to render. */
  region: Region;
  /** The abort signal, if any. */
  signal: AbortSignal | undefined;
  /** The progress callback, if any. */
  onProgress: ((progress: RenderProgress) => void) | undefined;
  /** The tile callback, if any. */
  onTile: ((tile: RenderedTile) => void) | undefined;
  /** The tile order. */
  tileOrder: "rows" | "reverse" | "shuffle";
  /** The buffer to render into, if one was given. */
  output: SharedArrayBuffer | undefined;
}

/**
 * Quotes strings and shows other values as `String` does, for error messages.
 *
 * @example
 * ```ts
 * import { show } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(`got ${show("2")}, not ${show(2)}`, 'got "2", not 2');
 * ```
 */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/**
 * Checks that `value` is a positive integer, or throws a `TypeError`/`RangeError` naming
 * `name` and the value.
 *
 * @example
 * ```ts
 * import { positiveInteger } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => positiveInteger("workers", 0), {
 *   name: "RangeError",
 *   message: "workers must be a positive integer, got 0",
 * });
 * ```
 */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative integer, got ${value}`,
    );
  }
  return value;
}

// A limit keeps a typo like `workers: 1e6` from trying to spawn a million threads.
const MAX_WORKERS = 256;

/**
 * Checks a `workers` count: a positive integer of at most 256.
 *
 * @example
 * ```ts
 * import { checkWorkers } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.equal(checkWorkers(2), 2);
 * assert.throws(() => checkWorkers(0), RangeError);
 * ```
 */
export function checkWorkers(value: unknown): number {
  const workers = positiveInteger("workers", value);
  if (workers > MAX_WORKERS) {
    throw new RangeError(
      `workers must be at most ${MAX_WORKERS}, got ${workers}`,
    );
  }
  return workers;
}

/**
 * The default worker count: `navigator.hardwareConcurrency`, or 1 where it is unknown.
 *
 * @example
 * ```ts
 * import { defaultWorkers } from "./options.ts";
 * import assert from "node:assert/strict";
 * assert.ok(defaultWorkers() >= 1);
 * ```
 */
export function defaultWorkers(): number {
  const n = globalThis.navigator?.hardwareConcurrency;
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, MAX_WORKERS) : 1;
}

/**
 * Validates `options` for rendering `scene` and fills in defaults (`defaultWorkerCount` for
 * `workers`). Throws a `TypeError` or `RangeError` naming the option and its value.
 *
 * @example
 * ```ts
 * import { resolveRenderOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 * const scene = {
 *   width: 800, height: 600, fov: 90, elements: [], lights: [],
 *   shadow_bias: 1e-13, max_recursion_depth: 10,
 * };
 * const resolved = resolveRenderOptions(scene, { width: 400, height: 300 }, 2);
 * assert.deepEqual(resolved.region, { x: 0, y: 0, width: 400, height: 300 });
 * assert.throws(() => resolveRenderOptions(scene, { tileSize: 0 }, 2), {
 *   message: "tileSize must be a positive integer, got 0",
 * });
 * ```
 */
export function resolveRenderOptions(
  scene: SceneDescription,
  options: InternalRenderOptions | undefined,
  defaultWorkerCount: number,
): ResolvedRenderOptions {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const workers = options.workers === undefined
    ? defaultWorkerCount
    : checkWorkers(options.workers);
  const tileSize = options.tileSize === undefined
    ? DEFAULT_TILE_SIZE
    : positiveInteger("tileSize", options.tileSize);
  const width = options.width === undefined
    ? scene.width
    : positiveInteger("width", options.width);
  const height = options.height === undefined
    ? scene.height
    : positiveInteger("height", options.height);
  let samples = scene.samples ?? 1;
  if (options.samples !== undefined) {
    samples = positiveInteger("samples", options.samples);
    if (Math.sqrt(samples) % 1 !== 0) {
      throw new RangeError(
        `samples must be a perfect square (1, 4, 9, …), got ${samples}`,
      );
    }
  }
  let region: Region = { x: 0, y: 0, width, height };
  if (options.region !== undefined) {
    const r = options.region;
    if (typeof r !== "object" || r === null) {
      throw new TypeError(`region must be an object, got ${show(r)}`);
    }
    region = {
      x: nonNegativeInteger("region.x", r.x),
      y: nonNegativeInteger("region.y", r.y),
      width: positiveInteger("region.width", r.width),
      height: positiveInteger("region.height", r.height),
    };
    if (region.x + region.width > width || region.y + region.height > height) {
      throw new RangeError(
        `region ${show(region)} does not fit in the ${width}×${height} image`,
      );
    }
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`signal must be an AbortSignal, got ${show(signal)}`);
  }
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new TypeError(
      `onProgress must be a function, got ${show(onProgress)}`,
    );
  }
  const onTile = options.onTile;
  if (onTile !== undefined && typeof onTile !== "function") {
    throw new TypeError(`onTile must be a function, got ${show(onTile)}`);
  }
  const tileOrder = options.tileOrder ?? "rows";
  if (!["rows", "reverse", "shuffle"].includes(tileOrder)) {
    throw new RangeError(
      `tileOrder must be "rows", "reverse" or "shuffle", got ${
        show(tileOrder)
      }`,
    );
  }
  const output = options.output;
  if (output !== undefined) {
    if (!(output instanceof SharedArrayBuffer)) {
      throw new TypeError(
        `output must be a SharedArrayBuffer, got ${show(output)}`,
      );
    }
    const needed = region.width * region.height * 4;
    if (output.byteLength < needed) {
      throw new RangeError(
        `output must hold at least ${needed} bytes for a ${region.width}×${region.height} region, got ${output.byteLength}`,
      );
    }
  }
  return {
    workers,
    tileSize,
    width,
    height,
    samples,
    region,
    signal,
    onProgress,
    onTile,
    tileOrder,
    output,
  };
}
