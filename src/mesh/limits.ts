/**
 * The largest mesh file read, in bytes, before or after gzip decompression (512 MiB): bigger
 * files are refused with a clear error rather than exhausting memory.
 *
 * @example Usage
 * ```ts
 * import { MAX_MESH_BYTES } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_MESH_BYTES, 512 * 1024 * 1024);
 * ```
 */
export const MAX_MESH_BYTES = 512 * 1024 * 1024;

/**
 * The most triangles one mesh may have (16,777,216), after fan triangulation; the Rust core
 * enforces the same limit.
 *
 * @example Usage
 * ```ts
 * import { MAX_MESH_TRIANGLES } from "./limits.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MAX_MESH_TRIANGLES, 16 * 1024 * 1024);
 * ```
 */
export const MAX_MESH_TRIANGLES = 16 * 1024 * 1024;

/**
 * Limits for one mesh file, tighter than the defaults ({@linkcode MAX_MESH_BYTES},
 * {@linkcode MAX_MESH_TRIANGLES}) when an application wants a smaller budget.
 *
 * @example Usage
 * ```ts
 * import type { MeshLimits } from "./limits.ts";
 *
 * const small: MeshLimits = { maxBytes: 1 << 20, maxTriangles: 10_000 };
 * ```
 */
export interface MeshLimits {
  /** Bytes of the file, and of its decompressed contents. */
  maxBytes?: number;
  /** Triangles after fan triangulation. */
  maxTriangles?: number;
}
