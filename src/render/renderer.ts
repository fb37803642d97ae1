/**
 * The reusable renderer: a worker pool that renders scenes one at a time.
 *
 * @module
 */

import { checkImageSize, prepareScene } from "../scene/mod.ts";
import type { RenderedImage, Scene, SceneDescription } from "../types.ts";
import {
  checkWorkers,
  defaultWorkers,
  type InternalRenderOptions,
  type RenderOptions,
  resolveRenderOptions,
  show,
} from "./options.ts";
import { WorkerPool } from "./pool.ts";
import { packScene } from "./scene_to_wasm.ts";
import { abortError, renderTiles } from "./schedule.ts";
import { splitTiles } from "./tiles.ts";
import { loadWasmModule } from "./wasm.ts";

/**
 * Options for a {@linkcode Renderer}.
 *
 * @example
 * ```ts
 * import type { RendererOptions } from "./renderer.ts";
 * const options: RendererOptions = { workers: 2 };
 * ```
 */
export interface RendererOptions {
  /** Workers in the pool; default `navigator.hardwareConcurrency`. */
  workers?: number;
}

/** Test hook: the worker module to run instead of `worker.ts`. Not part of the public API. */
interface InternalRendererOptions extends RendererOptions {
  workerUrl?: string | URL;
}

let nextRenderId = 1;

function isScene(value: Scene | SceneDescription): value is Scene {
  return typeof value === "object" && value !== null &&
    "description" in value && "textures" in value &&
    value.textures instanceof Map;
}

/**
 * A pool of render workers, reused from render to render so that animations and servers pay
 * for starting workers and instantiating the wasm core once, not per frame. Renders on one
 * `Renderer` run one at a time, in the order they were asked for. Workers stay alive between
 * renders until {@linkcode Renderer.close} (or `await using`): a script that does not close
 * its `Renderer` keeps running.
 *
 * @example
 * ```ts
 * import { Renderer } from "./renderer.ts";
 * import assert from "node:assert/strict";
 * const scene = {
 *   width: 16, height: 8, fov: 90, shadow_bias: 1e-13, max_recursion_depth: 10,
 *   elements: [{ Sphere: {
 *     center: { x: 0, y: 0, z: -5 }, radius: 1,
 *     material: { coloration: { Color: { red: 1, green: 0, blue: 0 } }, albedo: 0.18, surface: "Diffuse" as const },
 *   } }],
 *   lights: [{ Directional: { direction: { x: 0, y: 0, z: -1 }, color: { red: 1, green: 1, blue: 1 }, intensity: 1 } }],
 * };
 * await using renderer = new Renderer({ workers: 2 });
 * for (const width of [16, 32]) {
 *   const image = await renderer.render(scene, { width });
 *   assert.equal(image.data.length, width * 8 * 4);
 * }
 * ```
 */
export class Renderer {
  readonly #workers: number;
  readonly #pool: WorkerPool;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /**
   * A renderer with `options.workers` workers (default `navigator.hardwareConcurrency`).
   * Starts no worker until the first render. Throws a `RangeError` or `TypeError` for a bad
   * option.
   */
  constructor(options: RendererOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`options must be an object, got ${show(options)}`);
    }
    this.#workers = options.workers === undefined
      ? defaultWorkers()
      : checkWorkers(options.workers);
    const workerUrl = (options as InternalRendererOptions).workerUrl ??
      new URL("../../worker.ts", import.meta.url);
    this.#pool = new WorkerPool(new URL(workerUrl));
  }

  /** The number of workers renders use unless their options say otherwise. */
  get workers(): number {
    return this.#workers;
  }

  /** Whether {@linkcode Renderer.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Renders `scene` (a bare description is first validated and its textures loaded, as
   * `prepareScene` does). Waits for earlier renders on this renderer to finish first. The
   * result's `data` is a view of the shared buffer the workers wrote into: no copy is made.
   * Rejects with a `TypeError`/`RangeError` for bad options, an `AbortError` `DOMException`
   * when `options.signal` aborts, or an `Error` naming a tile that failed twice.
   */
  async render(
    scene: Scene | SceneDescription,
    options?: RenderOptions,
  ): Promise<RenderedImage> {
    if (this.#closed) throw new Error("this Renderer is closed");
    // The place in the queue is taken at the call, so renders run in call order and close()
    // waits for this one even while its scene is still being prepared.
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => release = resolve);
    try {
      const prepared = isScene(scene) ? scene : await prepareScene(scene);
      const resolved = resolveRenderOptions(
        prepared.description,
        options as InternalRenderOptions | undefined,
        this.#workers,
      );
      checkImageSize(resolved.width, resolved.height);
      const { signal } = resolved;
      if (signal?.aborted) throw abortError(signal);
      await untilSettledOrAborted(previous, signal);
      const module = await loadWasmModule();
      if (signal?.aborted) throw abortError(signal);
      const { region } = resolved;
      const bytes = region.width * region.height * 4;
      const output = resolved.output ?? new SharedArrayBuffer(bytes);
      const tiles = splitTiles(region, resolved.tileSize);
      await renderTiles({
        pool: this.#pool,
        module,
        renderId: nextRenderId++,
        scene: packScene(prepared, resolved),
        output,
        region,
        tiles,
        order: tileOrder(tiles.length, resolved.tileOrder),
        workers: resolved.workers,
        signal,
        onProgress: resolved.onProgress,
        onTile: resolved.onTile,
      });
      return {
        width: region.width,
        height: region.height,
        data: new Uint8Array(output, 0, bytes),
      };
    } finally {
      // An aborted render stops waiting at once, but the next one still waits for the
      // renders queued before it.
      previous.then(release);
    }
  }

  /**
   * Refuses new renders, waits for those already asked for, then terminates every worker.
   * Calling it again is harmless.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
    this.#pool.terminateAll();
  }

  /** Same as {@linkcode Renderer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function untilSettledOrAborted(
  previous: Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) return previous;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    previous.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function tileOrder(
  count: number,
  order: "rows" | "reverse" | "shuffle",
): number[] {
  const indexes = Array.from({ length: count }, (_, i) => i);
  if (order === "reverse") indexes.reverse();
  if (order === "shuffle") {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [indexes[i], indexes[j]] = [indexes[j], indexes[i]];
    }
  }
  return indexes;
}
