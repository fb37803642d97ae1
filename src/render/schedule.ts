/**
 * Scheduling one render's tiles over leased workers: a pull queue, retries, cancellation.
 *
 * @module
 */

import { abortError } from "../_abort.ts";
import type { Region } from "../types.ts";
import type {
  FromWorker,
  PixelFormat,
  SharedScene,
  ViewMessage,
} from "./messages.ts";
import type { RenderedTile, RenderProgress } from "./plan.ts";
import type { Lease, WorkerPool } from "./pool.ts";

/**
 * Everything a {@linkcode TileScheduler} needs for one render.
 *
 * @example
 * ```ts
 * import type { TileJob } from "./schedule.ts";
 * const tilesOf = (job: TileJob) => job.tiles.length;
 * ```
 */
export interface TileJob {
  /** Where the workers come from (and go back to). */
  pool: WorkerPool;
  /** The compiled wasm, for workers started during the render. */
  module: WebAssembly.Module;
  /** Tags every message of this render. */
  renderId: number;
  /** The packed scene, in shared memory for all workers. */
  scene: SharedScene;
  /** Size, fov, samples and camera. */
  view: ViewMessage;
  /** The region-sized output that workers write into, in `pixels` format. */
  output: SharedArrayBuffer;
  /** What each pixel holds; default `"rgba8"`. `onTile` is called for `"rgba8"` only. */
  pixels?: PixelFormat;
  /** The rectangle of the full image that `output` holds. */
  region: Region;
  /** The tiles covering `region`. */
  tiles: readonly Region[];
  /** Indexes into `tiles`, in the order to hand them out. */
  order: readonly number[];
  /** How many workers to use (at most one per tile is leased). */
  workers: number;
  /** Aborts the render. */
  signal?: AbortSignal;
  /** Called after each finished tile. */
  onProgress?: (progress: RenderProgress) => void;
  /** Called with each finished tile's pixels. */
  onTile?: (tile: RenderedTile) => void;
  /**
   * Called when a worker built the scene (it did not hold it), with the time it took and the
   * size of that worker's core memory afterwards.
   */
  onSceneBuilt?: (ms: number, memoryBytes: number) => void;
}

// Each worker holds one tile in flight and one queued, so it never idles for a message round
// trip between tiles; deeper queues would only unbalance the end of the render.
const DEPTH = 2;

interface Slot {
  lease: Lease;
  /** Tile indexes sent to this worker, oldest (the one being rendered) first. */
  queue: number[];
}

/**
 * Renders every tile of one job into `job.output`. {@linkcode TileScheduler.run} resolves once
 * every tile is in place; it rejects with an `AbortError` as soon as the signal aborts, with
 * the failure of a tile that failed on two workers, or with the core's refusal of the scene or
 * view. On any end the core is told to stop (a shared cancel flag it checks as it renders),
 * so no worker keeps computing for a finished render, and the workers go back to the pool.
 *
 * @example
 * ```ts
 * import { TileScheduler } from "./schedule.ts";
 * import { WorkerPool } from "./pool.ts";
 * import { shareScene } from "./shared_scene.ts";
 * import { splitTiles } from "./plan.ts";
 * import { loadWasmModule } from "./wasm.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const region = { x: 0, y: 0, width: 40, height: 30 };
 * const shared = await shareScene({
 *   description: scene({ width: 40, height: 30, elements: [], lights: [] }),
 *   textures: new Map(),
 * });
 * const tiles = splitTiles(region, 16);
 * const output = new SharedArrayBuffer(40 * 30 * 4);
 * const pool = new WorkerPool(new URL("../../worker.ts", import.meta.url));
 * try {
 *   await new TileScheduler({
 *     pool, module: await loadWasmModule(), renderId: 1, scene: shared,
 *     view: { width: 40, height: 30, fov: 90, samples: 1, camera: new Float64Array() },
 *     output, region, tiles, order: tiles.map((_, i) => i), workers: 2,
 *   }).run();
 * } finally {
 *   pool.terminateAll();
 * }
 * // An empty scene is black, fully opaque.
 * assert.ok(new Uint8Array(output).every((v, i) => v === (i % 4 === 3 ? 255 : 0)));
 * ```
 */
export class TileScheduler {
  readonly #job: TileJob;
  readonly #slots = new Map<Lease, Slot>();
  readonly #attempts: Uint8Array;
  readonly #done: Uint8Array;
  /** Tiles given back by a dead worker go first, its failed tile at the very front. */
  readonly #retries: number[] = [];
  readonly #cancel = new SharedArrayBuffer(4);
  #cursor = 0;
  #tilesDone = 0;
  #pixelsDone = 0;
  #start = 0;
  #settled = false;
  #resolve: () => void = () => {};
  #reject: (error: unknown) => void = () => {};
  readonly #onAbort = () => this.#fail(abortError(this.#job.signal!));

  /** A scheduler for `job`; nothing starts until {@linkcode TileScheduler.run}. */
  constructor(job: TileJob) {
    this.#job = job;
    this.#attempts = new Uint8Array(job.tiles.length);
    this.#done = new Uint8Array(job.tiles.length);
  }

  /** Renders the job; call once. */
  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { signal, tiles, pool, module } = this.#job;
      if (signal?.aborted) return this.#fail(abortError(signal));
      if (tiles.length === 0) return this.#finish();
      this.#start = performance.now();
      signal?.addEventListener("abort", this.#onAbort, { once: true });
      const count = Math.min(this.#job.workers, tiles.length);
      for (const lease of pool.lease(count, module, (l) => this.#handlers(l))) {
        this.#begin(lease);
      }
    });
  }

  #handlers(lease: Lease) {
    const slot = () => this.#slots.get(lease);
    return {
      onMessage: (message: FromWorker) => {
        const s = slot();
        if (s !== undefined) this.#onMessage(s, message);
      },
      onDeath: (reason: string) => {
        const s = slot();
        if (s !== undefined) this.#onFailure(s, reason, false);
      },
    };
  }

  #begin(lease: Lease): void {
    const slot: Slot = { lease, queue: [] };
    this.#slots.set(lease, slot);
    const { renderId, scene, view, output, region } = this.#job;
    lease.post({
      kind: "render",
      renderId,
      scene,
      view,
      output,
      pixels: this.#job.pixels ?? "rgba8",
      outputWidth: region.width,
      originX: region.x,
      originY: region.y,
      cancel: this.#cancel,
    });
    this.#fill(slot);
  }

  #hasPending(): boolean {
    return this.#retries.length > 0 || this.#cursor < this.#job.order.length;
  }

  #fill(slot: Slot): void {
    const { renderId, tiles, order } = this.#job;
    while (slot.queue.length < DEPTH && this.#hasPending()) {
      const index = this.#retries.pop() ?? order[this.#cursor++];
      slot.queue.push(index);
      slot.lease.post({ kind: "tile", renderId, index, tile: tiles[index] });
    }
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (this.#settled || message.renderId !== this.#job.renderId) return;
    switch (message.kind) {
      case "sceneBuilt":
        this.#call(() =>
          this.#job.onSceneBuilt?.(message.ms, message.memoryBytes)
        );
        return;
      case "tileDone":
        return this.#onTileDone(slot, message.index);
      case "tileError":
        return this.#onFailure(slot, message.message, true);
      case "renderError":
        return this.#fail(
          new Error(`the scene could not be built: ${message.message}`),
        );
      default: {
        const _exhaustive: never = message;
        return this.#fail(
          new TypeError(
            `unknown worker message ${JSON.stringify(_exhaustive)}`,
          ),
        );
      }
    }
  }

  #onTileDone(slot: Slot, index: number): void {
    const at = slot.queue.indexOf(index);
    if (at !== -1) slot.queue.splice(at, 1);
    if (this.#done[index] === 0) {
      this.#done[index] = 1;
      this.#tilesDone++;
      const tile = this.#job.tiles[index];
      this.#pixelsDone += tile.width * tile.height;
      const { onTile, onProgress, pixels } = this.#job;
      if (
        onTile !== undefined && (pixels ?? "rgba8") === "rgba8" &&
        !this.#call(() => onTile(this.#copy(tile)))
      ) {
        return;
      }
      if (
        onProgress !== undefined &&
        !this.#call(() =>
          onProgress({
            tilesDone: this.#tilesDone,
            tilesTotal: this.#job.tiles.length,
            pixelsDone: this.#pixelsDone,
            elapsedMs: performance.now() - this.#start,
          })
        )
      ) return;
    }
    if (this.#tilesDone === this.#job.tiles.length) return this.#finish();
    this.#fill(slot);
  }

  /** Runs a listener; a throw fails the render. False when it threw. */
  #call(listener: () => void): boolean {
    try {
      listener();
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  /** A worker died, or reported an error it may not survive (a wasm trap poisons it). */
  #onFailure(slot: Slot, reason: string, alive: boolean): void {
    if (this.#settled) return;
    this.#slots.delete(slot.lease);
    if (alive) slot.lease.discard();
    const [failed, ...unstarted] = slot.queue;
    if (failed !== undefined) {
      if (++this.#attempts[failed] >= 2) {
        const t = this.#job.tiles[failed];
        return this.#fail(
          new Error(
            `tile (${t.x}, ${t.y}, ${t.width}×${t.height}) failed twice: ${reason}`,
          ),
        );
      }
      this.#retries.push(...unstarted.reverse(), failed);
    }
    if (this.#hasPending()) {
      const { pool, module } = this.#job;
      const [lease] = pool.lease(1, module, (l) => this.#handlers(l));
      this.#begin(lease);
    }
    for (const other of this.#slots.values()) this.#fill(other);
  }

  /** The tile's rows, copied out of the region-sized shared output. */
  #copy(tile: Region): RenderedTile {
    const { output, region } = this.#job;
    const pixels = new Uint8Array(tile.width * tile.height * 4);
    const source = new Uint8Array(output);
    const rowBytes = tile.width * 4;
    for (let row = 0; row < tile.height; row++) {
      const from = ((tile.y - region.y + row) * region.width + tile.x -
        region.x) * 4;
      pixels.set(source.subarray(from, from + rowBytes), row * rowBytes);
    }
    return { ...tile, pixels };
  }

  #end(): void {
    this.#settled = true;
    this.#job.signal?.removeEventListener("abort", this.#onAbort);
    const { renderId } = this.#job;
    for (const slot of this.#slots.values()) {
      slot.lease.post({ kind: "release", renderId });
      slot.lease.release();
    }
    this.#slots.clear();
  }

  #finish(): void {
    this.#end();
    this.#resolve();
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    // Stops the tiles in flight inside the core within a few milliseconds.
    Atomics.store(new Int32Array(this.#cancel), 0, 1);
    this.#end();
    this.#reject(error);
  }
}
