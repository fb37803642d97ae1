/**
 * Splitting a region of the image into tiles.
 *
 * @module
 */

import type { Region } from "../types.ts";
import type { TileRect } from "./messages.ts";

/**
 * Cuts `region` into tiles of at most `tileSize × tileSize` pixels, row by row, top-left
 * first; tiles on the right and bottom edges are smaller when the size does not divide
 * evenly. The tiles cover the region exactly once.
 *
 * @example
 * ```ts
 * import { splitTiles } from "./tiles.ts";
 * import assert from "node:assert/strict";
 * const tiles = splitTiles({ x: 0, y: 0, width: 100, height: 50 }, 64);
 * assert.deepEqual(tiles, [
 *   { x: 0, y: 0, width: 64, height: 50 },
 *   { x: 64, y: 0, width: 36, height: 50 },
 * ]);
 * ```
 */
export function splitTiles(region: Region, tileSize: number): TileRect[] {
  if (!Number.isInteger(tileSize) || tileSize < 1) {
    throw new RangeError(
      `tileSize must be a positive integer, got ${tileSize}`,
    );
  }
  const tiles: TileRect[] = [];
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
