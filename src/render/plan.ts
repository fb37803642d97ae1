/**
 * The render plan: every rule about render options lives here, checked once, and turns a
 * scene and its options into what `Renderer.render`, `renderPngStream` and the CLI consume.
 *
 * @module
 */

import { show } from "../_format.ts";
import { isPath } from "../scene/validate.ts";
import {
  checkSamples,
  checkWorkers,
  MAX_WORKERS,
  nonNegativeInteger,
  optionError,
  positiveInteger,
} from "./options.ts";

export {
  checkSamples,
  checkWorkers,
  MAX_SAMPLES,
  MAX_WORKERS,
  type OptionError,
  optionError,
  optionOf,
  positiveInteger,
} from "./options.ts";
import { checkImageSize } from "../scene/check_image_size.ts";
import { checkScene } from "../scene/check_scene.ts";
import { prepareScene } from "../scene/prepare.ts";
import type { Camera, Region, Scene, SceneDescription } from "../types.ts";

/**
 * How far a render has got, passed to {@linkcode RenderOptions.onProgress} after each tile.
 *
 * @example
 * ```ts
 * import type { RenderProgress } from "../../mod.ts";
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
 * import type { RenderedTile } from "../../mod.ts";
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
 * import type { RenderOptions } from "../../mod.ts";
 * const options: RenderOptions = {
 *   workers: 2,
 *   width: 320,
 *   height: 240,
 *   region: { x: 0, y: 0, width: 160, height: 120 },
 *   signal: AbortSignal.timeout(60_000),
 *   onProgress: ({ tilesDone, tilesTotal }) => void `${tilesDone}/${tilesTotal}`,
 *   onTile: ({ x, y, pixels }) => void pixels.length,
 * };
 * ```
 */
export interface RenderOptions {
  /** Workers to render with; default `navigator.hardwareConcurrency` (or the Renderer's). */
  workers?: number;
  /** Tile edge in pixels; default 64 (measured best: see `DEFAULT_TILE_SIZE` in `plan.ts`). */
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
   * `onProgress` for the same tile). Throwing fails the render. Not called when denoising.
   */
  onTile?: (tile: RenderedTile) => void;
  /**
   * Path tracer only: filter the noise with the core's feature-guided à-trous filter (the
   * lighting, divided by the first surface's albedo, smoothed where normals and albedo agree).
   * The whole region is rendered as one band and filtered once; default false.
   */
  denoise?: boolean;
}

/**
 * The tile edge used when none is given. From the sweep in `bench/render_bench.ts` (the
 * original's scene at 1920×1080, 2 workers, 2 cores): the main thread spends roughly 50–70 µs
 * per tile on messages, which at 32 px (2,040 tiles) is ~150 ms of CPU taken from the workers
 * and at 16 px ~400 ms; at 64 px it is ~45 ms (under 2% of the render), while 510 tiles still
 * balance the two workers to within one small tile at the end. 128 and 256 gain nothing more.
 * It is the farm's default too (one grid for every backend): a farm tile is one result
 * message, and jobs group tiles into squares of about 512 pixels, so the job count does not
 * follow the tile size. On the farm, 128-pixel tiles cost fewer messages (`deno task
 * bench:farm`, 3840×2160, one node, an idle machine: 1.29× the local time against 1.43× for
 * 64, measured before this change), which `--tile 128` gives; one default for both keeps
 * local and farm renders of the same command on the same tiles and progress counts.
 *
 * @example
 * ```ts
 * import { DEFAULT_TILE_SIZE } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_TILE_SIZE, 64);
 * ```
 */
export const DEFAULT_TILE_SIZE = 64;

/** The widest or tallest image the core can address (its coordinates are u32). */
const MAX_SIDE = 2 ** 32 - 1;

/** What the camera sees in one render: the parts of a render that are not the scene. */
export interface View {
  /** Full image width. */
  width: number;
  /** Full image height. */
  height: number;
  /** Vertical field of view in degrees. */
  fov: number;
  /** Samples per pixel, a perfect square. */
  samples: number;
  /** The free camera, or undefined for the original's. */
  camera: Camera | undefined;
}

/**
 * A scene as `packScene` laid it out: what a farm node receives. The core checks every value
 * of it when it builds the scene.
 *
 * @example
 * ```ts
 * import type { PackedScene } from "./plan.ts";
 * const size = (scene: PackedScene) => scene.packed.length;
 * ```
 */
export interface PackedScene {
  /** The bytes. */
  readonly packed: Uint8Array;
}

/**
 * One render, checked and resolved: the product of {@linkcode planRender}.
 *
 * @example
 * ```ts
 * import type { RenderPlan } from "./plan.ts";
 * const pixels = (plan: RenderPlan) => plan.region.width * plan.region.height;
 * ```
 */
export interface RenderPlan {
  /** The scene to render, or its packed bytes. */
  scene: Scene | PackedScene;
  /** Size, camera and samples. */
  view: View;
  /** Workers to use. */
  workers: number;
  /** Tile edge. */
  tileSize: number;
  /** The rectangle of the full image to render. */
  region: Region;
  /** The abort signal, if any. */
  signal: AbortSignal | undefined;
  /** The progress callback, if any. */
  onProgress: ((progress: RenderProgress) => void) | undefined;
  /** The tile callback, if any. */
  onTile: ((tile: RenderedTile) => void) | undefined;
  /** Whether the image is denoised (then it is rendered in one band). */
  denoise: boolean;
}

/**
 * The default worker count: `navigator.hardwareConcurrency` capped at
 * {@linkcode MAX_WORKERS}, or 1 where it is unknown.
 *
 * @example
 * ```ts
 * import { defaultWorkers } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.ok(defaultWorkers() >= 1);
 * ```
 */
export function defaultWorkers(): number {
  const n = globalThis.navigator?.hardwareConcurrency;
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, MAX_WORKERS) : 1;
}

/**
 * The scene a render was given, ready to plan: a `Scene` is checked as `checkScene` does (a
 * hand-built one may have skipped validation), and a bare description is validated and its
 * files loaded, as `prepareScene` does.
 *
 * @example
 * ```ts
 * import { resolveScene } from "./plan.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const prepared = await resolveScene(scene({ width: 4, height: 4, elements: [], lights: [] }));
 * assert.equal(prepared.textures.size, 0);
 * ```
 */
export async function resolveScene(
  scene: Scene | SceneDescription,
  signal?: AbortSignal,
): Promise<Scene> {
  if (
    typeof scene === "object" && scene !== null && "description" in scene &&
    "textures" in scene
  ) {
    return checkScene(scene);
  }
  return await prepareScene(scene as SceneDescription, { signal });
}

/**
 * Checks `options` for rendering `scene` and fills in the defaults (`defaultWorkerCount` for
 * `workers`). Throws a `TypeError` or `RangeError` naming the option and its value.
 *
 * @example
 * ```ts
 * import { planRender } from "./plan.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const prepared = { description: scene({ width: 800, height: 600, elements: [], lights: [] }), textures: new Map() };
 * const plan = planRender(prepared, { width: 400, height: 300 }, 2);
 * assert.deepEqual(plan.region, { x: 0, y: 0, width: 400, height: 300 });
 * assert.throws(() => planRender(prepared, { tileSize: 0 }, 2), {
 *   message: "tileSize must be a positive integer, got 0",
 * });
 * ```
 */
export function planRender(
  scene: Scene,
  options: RenderOptions | undefined,
  defaultWorkerCount: number,
): RenderPlan {
  if (options === undefined) options = {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const d = scene.description;
  const workers = options.workers === undefined
    ? defaultWorkerCount
    : checkWorkers(options.workers);
  const tileSize = options.tileSize === undefined
    ? DEFAULT_TILE_SIZE
    : positiveInteger("tileSize", options.tileSize);
  const width = options.width === undefined
    ? d.width
    : positiveInteger("width", options.width);
  const height = options.height === undefined
    ? d.height
    : positiveInteger("height", options.height);
  const samples = options.samples === undefined
    ? d.samples ?? 1
    : checkSamples(options.samples, "samples", !isPath(d.integrator));
  const view = checkView({
    width,
    height,
    fov: d.fov,
    samples,
    camera: d.camera,
  }, isPath(d.integrator));
  const plan = finishPlan(scene, view, workers, tileSize, options);
  if (options.denoise !== undefined && typeof options.denoise !== "boolean") {
    throw optionError(
      TypeError,
      "denoise",
      `must be a boolean, got ${show(options.denoise)}`,
    );
  }
  if (options.denoise === true && !isPath(d.integrator)) {
    throw optionError(
      RangeError,
      "denoise",
      "applies to the path tracer only (integrator Path)",
    );
  }
  return { ...plan, denoise: options.denoise === true };
}

/**
 * Plans a render of a scene `packScene` already laid out, through a `view` that travelled
 * with it (a farm node's job): the same rules as {@linkcode planRender}, the view checked
 * as a whole since nothing vouches for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planPacked } from "./plan.ts";
 * const view = { width: 64, height: 32, fov: 90, samples: 4, camera: undefined };
 * const plan = planPacked(new Uint8Array(48), view, 2, { tileSize: 16, region: { x: 0, y: 0, width: 32, height: 32 } });
 * assert.equal(plan.tileSize, 16);
 * assert.throws(() => planPacked(new Uint8Array(48), { ...view, samples: 3 }, 2, {}), { message: /samples must be a perfect square/ });
 * ```
 */
export function planPacked(
  packed: Uint8Array,
  view: View,
  workers: number,
  options: RenderOptions,
): RenderPlan {
  const tileSize = options.tileSize === undefined
    ? DEFAULT_TILE_SIZE
    : positiveInteger("tileSize", options.tileSize);
  return finishPlan(
    { packed },
    checkView(view, packedIsPath(packed)),
    checkWorkers(workers),
    tileSize,
    options,
  );
}

/** Whether packed scene bytes ask for the path tracer (header byte 48, `rust/src/packed.rs`). */
function packedIsPath(packed: Uint8Array): boolean {
  return packed.length >= 52 &&
    new DataView(packed.buffer, packed.byteOffset, packed.byteLength)
        .getUint32(48, true) === 1;
}

/** The rules on a view: sides the core can address, samples, a field of view, a camera. */
function checkView(view: View, anySamples = false): View {
  const { width, height, fov, samples, camera } = view;
  for (const [name, side] of [["width", width], ["height", height]] as const) {
    positiveInteger(name, side);
    if (side > MAX_SIDE) {
      throw optionError(
        RangeError,
        name,
        `must be at most ${MAX_SIDE}, got ${side}`,
      );
    }
  }
  checkSamples(samples, "samples", !anySamples);
  if (typeof fov !== "number" || !(fov > 0 && fov < 180)) {
    throw optionError(
      RangeError,
      "fov",
      `must be between 0 and 180, got ${show(fov)}`,
    );
  }
  if (camera !== undefined) {
    const values = [camera.position, camera.look_at, camera.up].flatMap((
      v,
    ) => [v?.x, v?.y, v?.z]);
    if (!values.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw optionError(
        TypeError,
        "camera",
        "must hold finite position, look_at and up vectors",
      );
    }
  }
  return view;
}

function finishPlan(
  scene: Scene | PackedScene,
  view: View,
  workers: number,
  tileSize: number,
  options: RenderOptions,
): RenderPlan {
  const { width, height } = view;
  const region = options.region === undefined
    ? { x: 0, y: 0, width, height }
    : checkRegion(options.region, width, height);
  checkImageSize(region.width, region.height);
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw optionError(
      TypeError,
      "signal",
      `must be an AbortSignal, got ${show(signal)}`,
    );
  }
  return {
    scene,
    view,
    workers,
    tileSize,
    region,
    signal,
    onProgress: callback("onProgress", options.onProgress),
    onTile: callback("onTile", options.onTile),
    denoise: false,
  };
}

function checkRegion(r: unknown, width: number, height: number): Region {
  if (typeof r !== "object" || r === null) {
    throw optionError(TypeError, "region", `must be an object, got ${show(r)}`);
  }
  const { x, y, width: w, height: h } = r as Record<string, unknown>;
  const region = {
    x: nonNegativeInteger("region.x", x),
    y: nonNegativeInteger("region.y", y),
    width: positiveInteger("region.width", w),
    height: positiveInteger("region.height", h),
  };
  if (region.x + region.width > width || region.y + region.height > height) {
    throw optionError(
      RangeError,
      "region",
      `${region.x},${region.y},${region.width},${region.height} does not fit in the ${width}×${height} image`,
    );
  }
  return region;
}

function callback<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== "function") {
    throw optionError(
      TypeError,
      name,
      `must be a function, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Cuts `region` into tiles of at most `tileSize × tileSize` pixels, row by row, top-left
 * first; tiles on the right and bottom edges are smaller when the size does not divide
 * evenly. The tiles cover the region exactly once.
 *
 * @example
 * ```ts
 * import { splitTiles } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const tiles = splitTiles({ x: 0, y: 0, width: 100, height: 50 }, 64);
 * assert.deepEqual(tiles, [
 *   { x: 0, y: 0, width: 64, height: 50 },
 *   { x: 64, y: 0, width: 36, height: 50 },
 * ]);
 * ```
 */
export function splitTiles(region: Region, tileSize: number): Region[] {
  positiveInteger("tileSize", tileSize);
  const tiles: Region[] = [];
  const right = region.x + region.width;
  const bottom = region.y + region.height;
  for (let y = region.y; y < bottom; y += tileSize) {
    const height = Math.min(tileSize, bottom - y);
    for (let x = region.x; x < right; x += tileSize) {
      tiles.push({ x, y, width: Math.min(tileSize, right - x), height });
    }
  }
  return tiles;
}

/**
 * RGBA bytes aimed for in one band of a banded render when no band height is given: 32 MiB.
 * Two band buffers are rendered into in turn, plus a filtered copy or two waiting to be
 * compressed, so memory stays bounded whatever the image size, while a band of a 32000-pixel
 * wide image (256 rows, 2,000 tiles) is big enough that the pause between bands is lost in
 * the noise.
 *
 * @example
 * ```ts
 * import { DEFAULT_BAND_BYTES } from "./plan.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_BAND_BYTES, 32 * 1024 * 1024);
 * ```
 */
export const DEFAULT_BAND_BYTES = 32 * 1024 * 1024;

/**
 * Splits a plan's region into horizontal bands of `bandRows` rows (default: the whole tile
 * rows that fit in {@linkcode DEFAULT_BAND_BYTES}, at least one), each a region to render on
 * its own. With a multiple of the tile size, the bands hold exactly the tiles of the whole.
 * A denoised plan is one band.
 *
 * @example
 * ```ts
 * import { planBands } from "./plan.ts";
 * import assert from "node:assert/strict";
 * const bands = planBands({ region: { x: 0, y: 0, width: 100, height: 50 }, tileSize: 16 }, 32);
 * assert.deepEqual(bands.map((b) => [b.y, b.height]), [[0, 32], [32, 18]]);
 * ```
 */
export function planBands(
  plan: Pick<RenderPlan, "region" | "tileSize"> & { denoise?: boolean },
  bandRows?: number,
): Region[] {
  const { region, tileSize } = plan;
  // The filter needs the whole image: one band.
  if (plan.denoise) return [{ ...region }];
  const rows = bandRows === undefined
    ? tileSize *
      Math.max(
        1,
        Math.floor(DEFAULT_BAND_BYTES / (region.width * 4) / tileSize),
      )
    : positiveInteger("bandRows", bandRows);
  const bands: Region[] = [];
  for (let y = region.y; y < region.y + region.height; y += rows) {
    bands.push({
      x: region.x,
      y,
      width: region.width,
      height: Math.min(rows, region.y + region.height - y),
    });
  }
  return bands;
}
