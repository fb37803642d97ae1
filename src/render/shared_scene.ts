/**
 * A scene made ready for the workers once: packed, and given its BVH by the core on this
 * thread, so N workers only read it. The packed bytes are its identity: a scene that packs to
 * the same bytes is the same scene, whichever object it came from.
 *
 * @module
 */

import { yielder } from "../_abort.ts";
import { initSync, prepare_scene } from "../../lib/raypool.js";
import type { Scene } from "../types.ts";
import type { SharedScene } from "./messages.ts";
import { type PackOptions, packScene } from "./packed_scene.ts";
import {
  sameBytes,
  sameScene,
  type SceneIdentity,
  sceneIdentity,
} from "./scene_identity.ts";
import { loadWasmModule } from "./wasm.ts";

let instantiated: Promise<void> | undefined;
let nextKey = 1;
/**
 * The scene prepared last in this process, so that a fresh `Renderer` (or a render after the
 * CLI prepared the scene while loading it) does not pack it and build its BVH again. One
 * scene: a process rendering many scenes keeps at most one more than its renderers hold.
 */
let latest: PreparedScene | undefined;

/**
 * The core on the main thread, for the work done once per scene (the BVH); `warmRenderer`
 * starts it early.
 */
export function coreOnThisThread(): Promise<void> {
  instantiated ??= loadWasmModule().then((module) => {
    initSync({ module });
  });
  instantiated.catch(() => instantiated = undefined);
  return instantiated;
}

/**
 * A scene ready for the workers, with the packed bytes it was made from.
 *
 * @example
 * ```ts
 * import type { PreparedScene } from "./shared_scene.ts";
 * const bytesOf = (p: PreparedScene) => p.packed.length;
 * ```
 */
export interface PreparedScene extends SharedScene {
  /** The packed bytes before the core added its BVH: what identifies the scene. */
  readonly packed: Uint8Array;
  /** The identity it was last recognised by (see `sceneIdentity`). */
  readonly identity: SceneIdentity;
}

/**
 * Packs `scene` and has the core validate it and build its BVH, into shared memory; returns
 * `reuse`, or the scene this process prepared last, instead when `scene` packs to the same
 * bytes (the BVH is not built again, and workers holding it keep it). The core's refusal is
 * an `Error` with its one-line message.
 *
 * Recognising a prepared scene is cheap when the scene's texture pixels and mesh geometry are the same
 * arrays as last time (everything else is compared by value): they are taken to be unchanged,
 * so a texture or mesh changed in place must be given as new arrays. Otherwise the whole
 * scene is packed and compared byte for byte.
 *
 * @example
 * ```ts
 * import { shareScene } from "./shared_scene.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const empty = { description: scene({ width: 4, height: 4, elements: [], lights: [] }), textures: new Map() };
 * const a = await shareScene(empty);
 * assert.equal(await shareScene(structuredClone(empty), {}, a), a); // equal content: reused
 * assert.ok(a.bytes instanceof SharedArrayBuffer);
 * ```
 */
export async function shareScene(
  scene: Scene,
  options: PackOptions = {},
  reuse?: PreparedScene,
): Promise<PreparedScene> {
  const identity = sceneIdentity(scene, options);
  if (reuse !== undefined && sameScene(reuse.identity, identity)) return reuse;
  if (latest !== undefined && sameScene(latest.identity, identity)) {
    return latest;
  }
  // Identifying, packing and building each take tens of milliseconds for a big scene (10,000
  // mesh instances): a turn of the event loop between them lets an abort or Ctrl-C act.
  const pause = yielder(undefined);
  await pause(true);
  const packed = packScene(scene, options);
  await pause(true);
  return await sharePacked(packed, reuse, identity);
}

/**
 * {@linkcode shareScene} for bytes `packScene` already wrote (a farm node receives a scene
 * so): the core validates them and builds the BVH; `reuse`, or the scene this process
 * prepared last, is returned when the bytes are the same.
 *
 * @example
 * ```ts
 * import { sharePacked } from "./shared_scene.ts";
 * import { packScene } from "./packed_scene.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const packed = packScene({ description: scene({ width: 4, height: 4, elements: [], lights: [] }), textures: new Map() });
 * const a = await sharePacked(packed);
 * assert.equal((await sharePacked(packed.slice(), a)).key, a.key);
 * ```
 */
export async function sharePacked(
  packed: Uint8Array,
  reuse?: PreparedScene,
  identity: SceneIdentity = { skeleton: packed, sizes: [], sources: [] },
): Promise<PreparedScene> {
  for (const known of [reuse, latest]) {
    if (known !== undefined && sameBytes(known.packed, packed)) {
      return latest = { ...known, identity };
    }
  }
  await coreOnThisThread();
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
  latest = { key: String(nextKey++), bytes, packed, identity };
  return latest;
}
