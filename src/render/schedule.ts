/**
 * Scheduling one render's tiles over the pool's workers: a pull queue, retries, abort.
 *
 * @module
 */

import type { Region } from "../types.ts";
import type { FromWorker, TileRect, ToWorker } from "./messages.ts";
import type { RenderedTile, RenderProgress } from "./options.ts";
import type { PoolWorker, WorkerPool } from "./pool.ts";
import type { PackedScene } from "./scene_to_wasm.ts";

/**
 * Everything {@linkcode renderTiles} needs for one render.
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
  /** The scene, packed once for all workers. */
  scene: PackedScene;
  /** The region-sized RGBA8 output that workers write into. */
  output: SharedArrayBuffer;
  /** The rectangle of the full image that `output` holds. */
  region: Region;
  /** The tiles covering `region`. */
  tiles: readonly TileRect[];
  /** Indexes into `tiles`, in the order to hand them out. */
  order: readonly number[];
  /** How many workers to use (at most one per tile is started). */
  workers: number;
  /** Aborts the render. */
  signal?: AbortSignal;
  /** Called after each finished tile. */
  onProgress?: (progress: RenderProgress) => void;
  /** Called with each finished tile's pixels. */
  onTile?: (tile: RenderedTile) => void;
}

// Each worker holds one tile in flight and one queued, so it never idles for a message round
// trip between tiles; deeper queues would only unbalance the end of the render.
const DEPTH = 2;

/**
 * The `AbortError` a render rejects with when `signal` aborts: the signal's reason when that
 * already is one, otherwise a new one that quotes the reason.
 *
 * @example
 * ```ts
 * import { abortError } from "./schedule.ts";
 * import assert from "node:assert/strict";
 * assert.equal(abortError(AbortSignal.abort()).name, "AbortError");
 * assert.equal(abortError(AbortSignal.abort("stop")).message, "the render was aborted: stop");
 * ```
 */
export function abortError(signal: AbortSignal): DOMException {
  const reason = signal.reason;
  if (reason instanceof DOMException && reason.name === "AbortError") {
    return reason;
  }
  return new DOMException(
    `the render was aborted${reason === undefined ? "" : `: ${reason}`}`,
    "AbortError",
  );
}

/**
 * Renders every tile of `job` into `job.output`. Resolves once every tile is in place.
 * Rejects with an `AbortError` as soon as the signal aborts, with the first failure of a tile
 * that failed on two workers, or with a scene-building error; after a rejection the workers
 * that took part have been terminated (a tile in flight cannot be interrupted otherwise), and
 * the pool starts new ones when next needed.
 *
 * @example
 * ```ts
 * import { renderTiles } from "./schedule.ts";
 * import { WorkerPool } from "./pool.ts";
 * import { packScene } from "./scene_to_wasm.ts";
 * import { splitTiles } from "./tiles.ts";
 * import { loadWasmModule } from "./wasm.ts";
 * import assert from "node:assert/strict";
 * const region = { x: 0, y: 0, width: 40, height: 30 };
 * const scene = packScene({
 *   description: {
 *     width: 40, height: 30, fov: 90, elements: [], lights: [],
 *     shadow_bias: 1e-13, max_recursion_depth: 10,
 *   },
 *   textures: new Map(),
 * }, { width: 40, height: 30, samples: 1 });
 * const tiles = splitTiles(region, 16);
 * const output = new SharedArrayBuffer(40 * 30 * 4);
 * const pool = new WorkerPool(new URL("../../worker.ts", import.meta.url));
 * try {
 *   await renderTiles({
 *     pool, module: await loadWasmModule(), renderId: 1, scene, output, region,
 *     tiles, order: tiles.map((_, i) => i), workers: 2,
 *   });
 * } finally {
 *   pool.terminateAll();
 * }
 * // An empty scene is black, fully opaque.
 * assert.ok(new Uint8Array(output).every((v, i) => v === (i % 4 === 3 ? 255 : 0)));
 * ```
 */
export function renderTiles(job: TileJob): Promise<void> {
  const { pool, module, renderId, tiles, order, signal, onProgress, onTile } =
    job;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    if (tiles.length === 0) return resolve();

    interface Slot {
      worker: PoolWorker;
      /** Tile indexes sent to this worker, oldest (the one being rendered) first. */
      queue: number[];
    }
    const slots = new Set<Slot>();
    const attempts = new Uint8Array(tiles.length);
    const done = new Uint8Array(tiles.length);
    // Tiles given back by a dead worker go first, its failed tile at the very front.
    const retries: number[] = [];
    let cursor = 0;
    let tilesDone = 0;
    let pixelsDone = 0;
    let settled = false;
    const start = performance.now();
    const sceneMessage: ToWorker = {
      kind: "scene",
      renderId,
      scene: job.scene,
      output: job.output,
      outputWidth: job.region.width,
      originX: job.region.x,
      originY: job.region.y,
    };

    const hasPending = () => retries.length > 0 || cursor < order.length;
    const next = () => retries.pop() ?? order[cursor++];

    const fill = (slot: Slot) => {
      while (slot.queue.length < DEPTH && hasPending()) {
        const index = next();
        slot.queue.push(index);
        slot.worker.post({
          kind: "tile",
          renderId,
          index,
          tile: tiles[index],
          attempt: attempts[index],
        });
      }
    };

    const attach = (worker: PoolWorker) => {
      const slot: Slot = { worker, queue: [] };
      slots.add(slot);
      worker.onMessage = (message) => onMessage(slot, message);
      worker.onDeath = (reason) => onFailure(slot, reason);
      worker.post(sceneMessage);
      fill(slot);
    };

    const detach = (slot: Slot) => {
      slots.delete(slot);
      slot.worker.onMessage = () => {};
      slot.worker.onDeath = () => {};
    };

    const onAbort = () => fail(abortError(signal!));

    const finish = () => {
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      for (const slot of [...slots]) {
        detach(slot);
        slot.worker.post({ kind: "release", renderId });
      }
      resolve();
    };

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      for (const slot of [...slots]) {
        detach(slot);
        pool.discard(slot.worker);
      }
      reject(error);
    };

    const onFailure = (slot: Slot, reason: string) => {
      if (settled) return;
      detach(slot);
      pool.discard(slot.worker);
      const [failed, ...unstarted] = slot.queue;
      if (failed !== undefined) {
        if (++attempts[failed] >= 2) {
          const t = tiles[failed];
          return fail(
            new Error(
              `tile (${t.x}, ${t.y}, ${t.width}×${t.height}) failed twice: ${reason}`,
            ),
          );
        }
        retries.push(...unstarted.reverse(), failed);
      }
      if (hasPending()) attach(pool.spawn(module, renderId));
      for (const other of slots) fill(other);
    };

    const onMessage = (slot: Slot, message: FromWorker) => {
      if (settled || message.renderId !== renderId) return;
      switch (message.kind) {
        case "tileDone": {
          const at = slot.queue.indexOf(message.index);
          if (at !== -1) slot.queue.splice(at, 1);
          if (done[message.index] === 0) {
            done[message.index] = 1;
            tilesDone++;
            const t = tiles[message.index];
            pixelsDone += t.width * t.height;
            if (onTile !== undefined) {
              try {
                onTile(copyTile(job.output, job.region, t));
              } catch (error) {
                return fail(error);
              }
            }
            if (onProgress !== undefined) {
              try {
                onProgress({
                  tilesDone,
                  tilesTotal: tiles.length,
                  pixelsDone,
                  elapsedMs: performance.now() - start,
                });
              } catch (error) {
                return fail(error);
              }
            }
          }
          if (tilesDone === tiles.length) return finish();
          return fill(slot);
        }
        case "tileError":
          return onFailure(slot, message.message);
        case "sceneError":
          return fail(
            new Error(`the scene could not be built: ${message.message}`),
          );
        default: {
          const _exhaustive: never = message;
          return fail(
            new TypeError(
              `unknown worker message ${JSON.stringify(_exhaustive)}`,
            ),
          );
        }
      }
    };

    signal?.addEventListener("abort", onAbort, { once: true });
    const count = Math.min(job.workers, tiles.length);
    for (const worker of pool.acquire(count, module, renderId)) attach(worker);
  });
}

/** The tile's rows, copied out of the region-sized shared output. */
function copyTile(
  output: SharedArrayBuffer,
  region: Region,
  tile: TileRect,
): RenderedTile {
  const pixels = new Uint8Array(tile.width * tile.height * 4);
  const source = new Uint8Array(output);
  const rowBytes = tile.width * 4;
  for (let row = 0; row < tile.height; row++) {
    const from =
      ((tile.y - region.y + row) * region.width + tile.x - region.x) * 4;
    pixels.set(source.subarray(from, from + rowBytes), row * rowBytes);
  }
  return { ...tile, pixels };
}
