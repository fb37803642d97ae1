/**
 * Putting a farm render's pieces back together, band by band: pieces arrive in any order and
 * possibly more than once; each band of rows is handed on, in order, as soon as it is whole,
 * and then forgotten, so memory holds only the bands still waiting for pieces. A piece is
 * taken only when it is one of its job's tiles on the render plan's grid (`splitTiles`), so
 * every pixel is written exactly once; anything else is refused, whoever sent it.
 *
 * @module
 */

import { crc32 } from "../png/checksums.ts";
import { splitTiles } from "../render/plan.ts";
import type { Region } from "../types.ts";
import type { PieceResult } from "./protocol.ts";

/**
 * Two nodes sent different pixels for the same piece. Rendering is deterministic, so one of
 * them is faulty (bad memory, a different build): the render stops rather than guess.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FaultyNodeError } from "./assembly.ts";
 * assert.equal(new FaultyNodeError("x").name, "FaultyNodeError");
 * ```
 */
export class FaultyNodeError extends Error {
  /** Makes one; the message names both nodes and the piece. */
  constructor(message: string) {
    super(message);
    this.name = "FaultyNodeError";
  }
}

/**
 * A job as far as the assembler cares: its rectangle, whole tiles of the plan's grid.
 *
 * @example
 * ```ts
 * import type { AssemblyJob } from "./assembly.ts";
 * const job: AssemblyJob = { rect: { x: 0, y: 0, width: 8, height: 8 } };
 * ```
 */
export interface AssemblyJob {
  /** Where the job is in the full image. */
  rect: Region;
}

interface JobState {
  /** Tile key → its index in the job's tiles. */
  tiles: Map<string, number>;
  /** Per tile: CRC-32 and node of its first arrival, or undefined while it is missing. */
  arrived: ({ crc: number; node: string } | undefined)[];
  missing: number;
}

interface BandState {
  data: Uint8Array;
  filled: number;
}

/** What {@linkcode BandAssembler.add} did with a piece. */
export type AddOutcome =
  | { kind: "new"; pixels: number; jobDone: boolean }
  | { kind: "duplicate" }
  | { kind: "refused"; reason: string };

/**
 * Collects pieces into bands of `bandRows` rows of `region`, and calls `onBand` with each
 * band in order as it completes (awaited through {@linkcode BandAssembler.flush}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BandAssembler } from "./assembly.ts";
 * const region = { x: 0, y: 0, width: 2, height: 2 };
 * const bands: number[][] = [];
 * const assembler = new BandAssembler(region, 1, [{ rect: region }], 2, (_y, rgba) => {
 *   bands.push([...rgba]);
 *   return Promise.resolve();
 * });
 * const piece = { kind: "piece" as const, renderId: "r", job: 0, node: "n",
 *   rect: region, pixels: new Uint8Array(16).fill(1) };
 * // Not a tile of the grid: refused, whoever sent it.
 * const half = { ...piece, rect: { x: 0, y: 0, width: 2, height: 1 }, pixels: new Uint8Array(8) };
 * assert.equal(assembler.add(half).kind, "refused");
 * assert.equal(assembler.add(piece).kind, "new");
 * await assembler.flush();
 * assert.deepEqual(bands, [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]]);
 * assert.ok(assembler.done);
 * ```
 */
export class BandAssembler {
  readonly #region: Region;
  readonly #bandRows: number;
  readonly #jobs: readonly AssemblyJob[];
  readonly #tileSize: number;
  readonly #onBand: (y: number, rgba: Uint8Array) => Promise<void>;
  readonly #jobStates = new Map<number, JobState>();
  readonly #bands = new Map<number, BandState>();
  readonly #bandCount: number;
  #nextBand = 0;

  /**
   * @param region the rectangle of the full image being assembled
   * @param bandRows rows per band (the last may be shorter)
   * @param jobs every job of the render, by index
   * @param tileSize the plan's tile edge: the grid pieces must be on
   * @param onBand receives each band's top row (in full-image coordinates) and its RGBA
   */
  constructor(
    region: Region,
    bandRows: number,
    jobs: readonly AssemblyJob[],
    tileSize: number,
    onBand: (y: number, rgba: Uint8Array) => Promise<void>,
  ) {
    this.#region = region;
    this.#bandRows = bandRows;
    this.#jobs = jobs;
    this.#tileSize = tileSize;
    this.#onBand = onBand;
    this.#bandCount = Math.ceil(region.height / bandRows);
  }

  /** The index of the first band not yet handed on. */
  get nextBand(): number {
    return this.#nextBand;
  }

  /** Whether every band has been handed on. */
  get done(): boolean {
    return this.#nextBand >= this.#bandCount;
  }

  /** The band index of a row of the full image. */
  bandOf(row: number): number {
    return Math.floor((row - this.#region.y) / this.#bandRows);
  }

  /**
   * Adds a piece: one of its job's tiles, not seen before. A tile seen before is compared
   * with its first arrival by CRC-32; anything but a tile of the job is refused.
   *
   * @throws {FaultyNodeError} for a repeated tile with different pixels.
   */
  add(piece: PieceResult): AddOutcome {
    const job = this.#jobs[piece.job];
    const { rect } = piece;
    const key = `${rect.x},${rect.y},${rect.width},${rect.height}`;
    if (job === undefined) {
      return {
        kind: "refused",
        reason:
          `node ${piece.node} sent a piece of job ${piece.job}, which this render has not`,
      };
    }
    let state = this.#jobStates.get(piece.job);
    if (state === undefined) {
      const tiles = new Map(
        splitTiles(job.rect, this.#tileSize).map((
          t,
          i,
        ) => [`${t.x},${t.y},${t.width},${t.height}`, i]),
      );
      state = {
        tiles,
        arrived: new Array(tiles.size).fill(undefined),
        missing: tiles.size,
      };
      this.#jobStates.set(piece.job, state);
    }
    const index = state.tiles.get(key);
    if (index === undefined) {
      return {
        kind: "refused",
        reason: `node ${piece.node} sent piece ${
          describeRect(rect)
        }, not a tile of job ${piece.job}`,
      };
    }
    const crc = crc32(piece.pixels);
    const first = state.arrived[index];
    if (first !== undefined) {
      if (first.crc !== crc) {
        throw new FaultyNodeError(
          `nodes ${first.node} and ${piece.node} rendered tile ${
            describeRect(rect)
          } differently; one of them is faulty`,
        );
      }
      return { kind: "duplicate" };
    }
    state.arrived[index] = { crc, node: piece.node };
    state.missing--;
    this.#place(piece);
    return {
      kind: "new",
      pixels: rect.width * rect.height,
      jobDone: state.missing === 0,
    };
  }

  /** Whether every tile of job `job` has arrived. */
  jobDone(job: number): boolean {
    const state = this.#jobStates.get(job);
    return state !== undefined && state.missing === 0;
  }

  /** Hands on, in order, every band that is whole. */
  async flush(): Promise<void> {
    while (this.#nextBand < this.#bandCount) {
      const band = this.#bands.get(this.#nextBand);
      if (band === undefined || band.filled < band.data.length / 4) return;
      this.#bands.delete(this.#nextBand);
      const y = this.#region.y + this.#nextBand * this.#bandRows;
      this.#nextBand++;
      await this.#onBand(y, band.data);
    }
  }

  #place(piece: PieceResult) {
    const region = this.#region;
    const rowBytes = piece.rect.width * 4;
    for (let row = 0; row < piece.rect.height; row++) {
      const y = piece.rect.y + row;
      const index = this.bandOf(y);
      let band = this.#bands.get(index);
      if (band === undefined) {
        const top = region.y + index * this.#bandRows;
        const rows = Math.min(this.#bandRows, region.y + region.height - top);
        band = { data: new Uint8Array(region.width * rows * 4), filled: 0 };
        this.#bands.set(index, band);
      }
      const bandTop = region.y + index * this.#bandRows;
      const offset = ((y - bandTop) * region.width + piece.rect.x - region.x) *
        4;
      band.data.set(
        piece.pixels.subarray(row * rowBytes, (row + 1) * rowBytes),
        offset,
      );
      band.filled += piece.rect.width;
    }
  }
}

/**
 * A rectangle as `x,y WIDTH×HEIGHT`, for messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeRect } from "./assembly.ts";
 * assert.equal(describeRect({ x: 64, y: 0, width: 32, height: 16 }), "64,0 32×16");
 * ```
 */
export function describeRect(rect: Region): string {
  return `${rect.x},${rect.y} ${rect.width}×${rect.height}`;
}
