/**
 * A scene made ready for the workers once: packed, named by a hash of its content, and given
 * its BVH by the core on this thread, so N workers only read it.
 *
 * @module
 */

import { initSync, prepare_scene } from "../../lib/raypool.js";
import type { Scene } from "../types.ts";
import type { SharedScene } from "./messages.ts";
import { type PackOptions, packScene } from "./packed_scene.ts";
import { loadWasmModule } from "./wasm.ts";

let instantiated: Promise<void> | undefined;

/** The core on the main thread, for the work done once per scene (the BVH). */
function coreOnThisThread(): Promise<void> {
  instantiated ??= loadWasmModule().then((module) => {
    initSync({ module });
  });
  instantiated.catch(() => instantiated = undefined);
  return instantiated;
}

/**
 * Packs `scene`, hashes it, and has the core validate it and build its BVH, into shared
 * memory; returns `reuse` instead when that holds the same content (the BVH is not built
 * again). The core's refusal is an `Error` with its one-line message.
 *
 * @example
 * ```ts
 * import { shareScene } from "./shared_scene.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const empty = { description: scene({ width: 4, height: 4, elements: [], lights: [] }), textures: new Map() };
 * const a = await shareScene(empty);
 * const b = await shareScene(structuredClone(empty));
 * assert.equal(a.key, b.key); // equal content, equal key
 * assert.ok(a.bytes instanceof SharedArrayBuffer);
 * ```
 */
export async function shareScene(
  scene: Scene,
  options: PackOptions = {},
  reuse?: SharedScene,
): Promise<SharedScene> {
  const packed = packScene(scene, options);
  const [digest] = await Promise.all([
    crypto.subtle.digest("SHA-256", packed),
    coreOnThisThread(),
  ]);
  const key = [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  if (reuse?.key === key) return reuse;
  let prepared: Uint8Array;
  try {
    prepared = prepare_scene(packed);
  } catch (error) {
    // Only a hand-built Scene that skipped validation gets here.
    throw new Error(
      `the scene could not be built: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const bytes = new SharedArrayBuffer(prepared.byteLength);
  new Uint8Array(bytes).set(prepared);
  return { key, bytes };
}
