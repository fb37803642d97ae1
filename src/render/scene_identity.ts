/**
 * What makes two scenes the same scene, computed without packing them: the renderer uses it
 * to know that the scene its workers hold need not be built again.
 *
 * @module
 */

import type { Scene } from "../types.ts";
import { sceneAssets } from "../scene/_assets.ts";

/**
 * A scene's identity: everything but its big arrays as text, and those arrays (texture
 * pixels, parsed mesh files) by reference.
 *
 * @example
 * ```ts
 * import type { SceneIdentity } from "./scene_identity.ts";
 * const size = (identity: SceneIdentity) => identity.text.length;
 * ```
 */
export interface SceneIdentity {
  /** The description, the options and the sizes of the textures, as text. */
  readonly text: string;
  /** The texture pixels and mesh files the scene uses, in the order it names them. */
  readonly sources: readonly unknown[];
}

/**
 * The identity of `scene` rendered with `options` (e.g. `{ bruteForce: true }`). Two scenes
 * with {@linkcode sameScene} identities pack to the same bytes, provided texture pixels and
 * mesh data are not changed in place (a changed texture or mesh must be given as new arrays).
 * Cheap where packing copies pixels and geometry: O(description), not O(pixels + triangles).
 *
 * @example
 * ```ts
 * import { sameScene, sceneIdentity } from "./scene_identity.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const a = { description: scene({ width: 4, height: 4, elements: [], lights: [] }), textures: new Map() };
 * assert.ok(sameScene(sceneIdentity(a), sceneIdentity(structuredClone(a))));
 * const wider = { ...a, description: { ...a.description, shadow_bias: 1 } };
 * assert.ok(!sameScene(sceneIdentity(a), sceneIdentity(wider)));
 * ```
 */
export function sceneIdentity(
  scene: Scene,
  options: Readonly<Record<string, unknown>> = {},
): SceneIdentity {
  const sources: unknown[] = [];
  const sizes: unknown[] = [];
  for (const use of sceneAssets(scene.description)) {
    switch (use.kind) {
      case "texture": {
        const texture = scene.textures.get(use.path);
        sources.push(texture?.data);
        sizes.push([texture?.width, texture?.height]);
        break;
      }
      case "mesh": {
        const mesh = scene.meshes?.get(use.path);
        sources.push(
          mesh,
          mesh?.positions,
          mesh?.normals,
          mesh?.uvs,
          mesh?.indices,
        );
        break;
      }
      case "gltf":
        // The model by reference: the loader gives each load new arrays.
        sources.push(scene.gltf?.get(use.path));
        break;
      default: {
        const unknownKind: never = use.kind;
        throw new TypeError(`unknown asset kind ${unknownKind}`);
      }
    }
  }
  // −0 and 0 may pack differently, so they must not read the same.
  const text = JSON.stringify(
    [scene.description, sizes, options],
    (_key, value) => Object.is(value, -0) ? "-0" : value,
  );
  return { text, sources };
}

/**
 * Whether two identities are of the same scene: equal text and the very same arrays.
 *
 * @example
 * ```ts
 * import { sameScene } from "./scene_identity.ts";
 * import assert from "node:assert/strict";
 * const pixels = new Uint8Array(4);
 * assert.ok(sameScene({ text: "a", sources: [pixels] }, { text: "a", sources: [pixels] }));
 * assert.ok(!sameScene({ text: "a", sources: [pixels] }, { text: "a", sources: [pixels.slice()] }));
 * ```
 */
export function sameScene(a: SceneIdentity, b: SceneIdentity): boolean {
  return a.text === b.text && a.sources.length === b.sources.length &&
    a.sources.every((source, i) => source === b.sources[i]);
}
