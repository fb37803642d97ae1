/**
 * The reusable renderer: a worker pool that renders scenes one at a time.
 *
 * @module
 */

import { abortable, abortError, yielder } from "../_abort.ts";
import { show } from "../_format.ts";
import type { RenderedImage, Scene, SceneDescription } from "../types.ts";
import {
  checkWorkers,
  defaultWorkers,
  planRender,
  type RenderOptions,
  type RenderPlan,
  resolveScene,
  splitTiles,
} from "./plan.ts";
import type { PixelFormat } from "./messages.ts";
import { denoise_to_rgba8 } from "../../lib/raypool.js";
import { TONE_MAPPING } from "./packed_scene.ts";
import { WorkerPool } from "./pool.ts";
import { TileScheduler } from "./schedule.ts";
import {
  coreOnThisThread,
  type PreparedScene,
  sharePacked,
  shareScene,
} from "./shared_scene.ts";
import { loadWasmModule } from "./wasm.ts";
import { checkScene } from "../scene/check_scene.ts";

/**
 * Options for a {@linkcode Renderer}.
 *
 * @example
 * ```ts
 * import type { RendererOptions } from "../../mod.ts";
 * const options: RendererOptions = { workers: 2 };
 * ```
 */
export interface RendererOptions {
  /** Workers in the pool; default `navigator.hardwareConcurrency`. */
  workers?: number;
}

/** What tests and the library's own banded render may ask beyond the public options. */
export interface RenderInternals {
  /** The buffer to render into, at least region-sized; default a new one. */
  output?: SharedArrayBuffer;
  /**
   * What each pixel of the output holds: RGBA8 (default), or `"linear"`, 3 f32 of radiance
   * before tone mapping (the result's `data` is then those floats' bytes; no `onTile`).
   */
  pixels?: PixelFormat;
  /** The order tiles are handed out in; default row by row. */
  tileOrder?: "rows" | "reverse" | "shuffle";
  /** Tests compare against a core without BVH. */
  bruteForce?: boolean;
  /**
   * Called when a worker built the scene (it did not hold it), with the time it took and the
   * size of that worker's core memory afterwards.
   */
  onSceneBuilt?: (ms: number, memoryBytes: number) => void;
}

let nextRenderId = 1;

/**
 * What a renderer offers this module's own functions ({@linkcode renderPlanned},
 * {@linkcode warmRenderer}, {@linkcode rendererWithWorker}) and never its users: set once by
 * each renderer's constructor, in a map no other module can reach.
 */
interface RendererEntryPoints {
  render(plan: RenderPlan, internals: RenderInternals): Promise<RenderedImage>;
  warm(): Promise<void>;
  /** Before the first render only: the worker module its workers run. */
  useWorker(url: URL): void;
}
const entryPoints = new WeakMap<Renderer, RendererEntryPoints>();

/**
 * A pool of render workers, reused from render to render so that animations and servers pay
 * for starting workers, instantiating the wasm core and building an unchanged scene once, not
 * per frame. Renders on one `Renderer` run one at a time, in the order they were asked for.
 * Workers stay alive between renders until {@linkcode Renderer.close} (or `await using`): a
 * script that does not close its `Renderer` keeps running.
 *
 * @example
 * ```ts
 * import { Renderer, scene, sphere, point, material, rgb, directionalLight, vector } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const description = scene({
 *   width: 16, height: 8,
 *   elements: [sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(1, 0, 0) }) })],
 *   lights: [directionalLight({ direction: vector(0, 0, -1), color: rgb(1, 1, 1), intensity: 1 })],
 * });
 * await using renderer = new Renderer({ workers: 2 });
 * for (const width of [16, 32]) {
 *   const image = await renderer.render(description, { width });
 *   assert.equal(image.data.length, width * 8 * 4);
 * }
 * ```
 */
export class Renderer {
  readonly #workers: number;
  #pool: WorkerPool;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  /** The scene the workers last built, so the same scene is not prepared again. */
  #shared: PreparedScene | undefined;

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
    this.#pool = new WorkerPool(new URL("../../worker.ts", import.meta.url));
    entryPoints.set(this, {
      render: (plan, internals) => this.#render(() => plan, internals),
      warm: async () => {
        const module = await loadWasmModule();
        if (!this.#closed) this.#pool.warm(this.#workers, module);
        await coreOnThisThread();
      },
      useWorker: (url) => {
        if (this.#pool.size > 0) throw new Error("the workers are running");
        this.#pool = new WorkerPool(url);
      },
    });
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
    return await this.#render(
      async () =>
        planRender(
          await resolveScene(scene, options?.signal),
          options,
          this.#workers,
        ),
      {},
    );
  }

  async #render(
    planning: () => RenderPlan | Promise<RenderPlan>,
    internals: RenderInternals,
  ): Promise<RenderedImage> {
    if (this.#closed) throw new Error("this Renderer is closed");
    // The place in the queue is taken at the call, so renders run in call order and close()
    // waits for this one even while its scene is still being prepared.
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => release = resolve);
    try {
      const plan = await planning();
      const { signal, region } = plan;
      if (signal?.aborted) throw abortError(signal);
      await abortable(previous, signal);
      const module = await abortable(loadWasmModule(), signal);
      const scene = plan.scene;
      this.#shared = await abortable(
        "packed" in scene
          ? sharePacked(scene.packed, this.#shared)
          : shareScene(
            scene,
            { bruteForce: internals.bruteForce },
            this.#shared,
          ),
        signal,
      );
      // A denoised render collects the whole region's features, filtered here once.
      const pixels = plan.denoise ? "features" : internals.pixels ?? "rgba8";
      const bytes = region.width * region.height *
        (pixels === "linear" ? 12 : pixels === "features" ? 36 : 4);
      const output = plan.denoise
        ? new SharedArrayBuffer(bytes)
        : internals.output ?? new SharedArrayBuffer(bytes);
      if (output.byteLength < bytes) {
        throw new RangeError(
          `output must hold at least ${bytes} bytes for a ${region.width}×${region.height} region, got ${output.byteLength}`,
        );
      }
      const tiles = splitTiles(region, plan.tileSize);
      const { width, height, fov, samples, camera } = plan.view;
      await new TileScheduler({
        pool: this.#pool,
        module,
        renderId: nextRenderId++,
        // Only what the workers need: the rest stays here (a structured clone would copy it).
        scene: { key: this.#shared.key, bytes: this.#shared.bytes },
        view: {
          width,
          height,
          fov,
          samples,
          camera: new Float64Array(
            camera === undefined ? [] : [
              camera.position.x,
              camera.position.y,
              camera.position.z,
              camera.look_at.x,
              camera.look_at.y,
              camera.look_at.z,
              camera.up.x,
              camera.up.y,
              camera.up.z,
            ],
          ),
        },
        output,
        pixels,
        region,
        tiles,
        order: tileOrder(tiles.length, internals.tileOrder ?? "rows"),
        workers: plan.workers,
        signal,
        onProgress: plan.onProgress,
        onTile: plan.onTile,
        onSceneBuilt: internals.onSceneBuilt,
      }).run();
      if (plan.denoise) {
        return {
          width: region.width,
          height: region.height,
          data: await abortable(denoised(plan, output), signal),
        };
      }
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

/**
 * Renders an already checked plan on `renderer`, with the internal extras: the way
 * `renderPngStream` renders its bands into two alternating buffers, and tests pick a tile
 * order or a core without BVH. Not part of the public API.
 */
export function renderPlanned(
  renderer: Renderer,
  plan: RenderPlan,
  internals: RenderInternals = {},
): Promise<RenderedImage> {
  return entryPoints.get(renderer)!.render(plan, internals);
}

/**
 * The internal constructor: a renderer whose workers run `workerUrl` instead of `worker.ts`
 * (tests' fault injection). Not part of the public API.
 */
export function rendererWithWorker(
  options: RendererOptions,
  workerUrl: URL,
): Renderer {
  const renderer = new Renderer(options);
  entryPoints.get(renderer)!.useWorker(workerUrl);
  return renderer;
}

/**
 * Starts the renderer's workers and compiles the core now, so the first render finds them
 * ready; the CLI does this while the scene loads.
 */
export function warmRenderer(renderer: Renderer): Promise<void> {
  return entryPoints.get(renderer)!.warm();
}

/**
 * Packs `scene` and has the core build its BVH now, so that the next render of it (on any
 * `Renderer` of this process) finds it prepared; the CLI does this as part of loading.
 */
export async function prepareForRender(scene: Scene): Promise<void> {
  const checked = checkScene(scene);
  // Checking a big scene takes tens of milliseconds, as does packing it: a turn of the event
  // loop between them lets an abort or Ctrl-C act.
  await yielder(undefined)(true);
  await shareScene(checked);
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

/**
 * The whole region's features (9 f32 a pixel) denoised and tone-mapped by the core on this
 * thread: one crossing for the whole image.
 */
async function denoised(
  plan: RenderPlan,
  features: SharedArrayBuffer,
): Promise<Uint8Array> {
  await coreOnThisThread();
  const { width, height } = plan.region;
  const d = (plan.scene as Scene).description;
  return denoise_to_rgba8(
    width,
    height,
    new Float32Array(features, 0, width * height * 9),
    TONE_MAPPING[d.tone_mapping ?? "Clamp"],
    d.exposure ?? 0,
  );
}
