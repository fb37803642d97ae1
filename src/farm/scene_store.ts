/**
 * Scenes in the farm's object store: the bytes `packScene` wrote, deflated, named by the
 * SHA-256 of the packed bytes. The farm has no scene format of its own: a node hands the
 * bytes to the core, whose reader checks every value, as it does for a local render. Nothing
 * stored is trusted: an upload checks what is already there and replaces it unless it is the
 * very scene, and a node bounds the sizes before it inflates and checks the hash after.
 *
 * @module
 */

import { deflateSync, inflateSync } from "node:zlib";
import type { ObjectStore } from "./connection.ts";

/**
 * SHA-256 of `bytes` in lower-case hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./scene_store.ts";
 * assert.equal(
 *   await sha256Hex(new Uint8Array()),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The largest packed scene a node takes by default: 2 GiB, the most a worker's core can hold
 * (wasm32 memory is 4 GiB, and the core needs room for the BVH beside the scene).
 */
export const MAX_PACKED_SCENE_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * Stores the packed scene `packed` unless the store already holds exactly it, and returns its
 * name (the SHA-256 of `packed`). An object of that name whose contents do not inflate to
 * bytes of that hash (damaged, or overwritten by someone holding the farm's credentials) is
 * replaced.
 */
export async function uploadPacked(
  store: ObjectStore,
  packed: Uint8Array,
): Promise<string> {
  const name = await sha256Hex(packed);
  const info = await store.info(name);
  if (info !== null && !info.deleted) {
    // Deflate may grow incompressible bytes a little; the hash decides.
    const limit = packed.length + (packed.length >>> 6) + 1024;
    const stored = await readPacked(store, name, limit).catch(() => undefined);
    if (stored !== undefined) return name;
  }
  await store.putBlob({ name }, new Uint8Array(deflateSync(packed)));
  return name;
}

/**
 * Fetches the packed scene stored as `hash`: at most `maxBytes` stored and inflated (checked
 * before anything of that size is allocated), and the bytes must hash to `hash`.
 *
 * @throws {Error} naming the scene when it is missing, too big, damaged or not what its name
 * says.
 */
export async function readPacked(
  store: ObjectStore,
  hash: string,
  maxBytes: number = MAX_PACKED_SCENE_BYTES,
): Promise<Uint8Array> {
  const info = await store.info(hash);
  if (info === null || info.deleted) {
    throw new Error(`scene ${hash} is not in the farm's object store`);
  }
  if (!(info.size <= maxBytes)) {
    throw new Error(
      `scene ${hash} is stored as ${info.size} bytes, over this node's limit of ${maxBytes}`,
    );
  }
  const stored = await store.getBlob(hash);
  if (stored === null) {
    throw new Error(`scene ${hash} is not in the farm's object store`);
  }
  if (stored.length > maxBytes) {
    throw new Error(
      `scene ${hash} is stored as ${stored.length} bytes, over this node's limit of ${maxBytes}`,
    );
  }
  let packed: Uint8Array;
  try {
    packed = new Uint8Array(inflateSync(stored, { maxOutputLength: maxBytes }));
  } catch (error) {
    throw new Error(
      /larger than|maxOutputLength|buffer/i.test(String(error))
        ? `scene ${hash} inflates to over this node's limit of ${maxBytes} bytes`
        : `scene ${hash} does not inflate`,
      { cause: error },
    );
  }
  if (await sha256Hex(packed) !== hash) {
    throw new Error(`scene ${hash} does not match its hash`);
  }
  return packed;
}
