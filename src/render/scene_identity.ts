/**
 * What makes two scenes the same scene, computed without copying their big arrays: the
 * renderer uses it to know that the scene its workers hold need not be built again.
 *
 * @module
 */

import type { MeshData, Scene, TextureImage } from "../types.ts";
import type { GltfModel } from "../gltf/types.ts";
import { sceneAssets } from "../scene/_assets.ts";
import { type PackOptions, packScene } from "./packed_scene.ts";

/**
 * A scene's identity: the scene packed with stand-ins for its textures and mesh files, their
 * sizes, and the real arrays by reference.
 *
 * @example
 * ```ts
 * import type { SceneIdentity } from "./scene_identity.ts";
 * const size = (identity: SceneIdentity) => identity.skeleton.length;
 * ```
 */
export interface SceneIdentity {
  /** The packed scene with a 1×1 texture and a one-triangle mesh in place of each file. */
  readonly skeleton: Uint8Array;
  /** Each texture's width and height, in the order the scene names them. */
  readonly sizes: readonly number[];
  /** The texture pixels and mesh data the scene uses, in the order it names them. */
  readonly sources: readonly unknown[];
}

const STAND_IN_TEXTURE: TextureImage = {
  width: 1,
  height: 1,
  data: new Uint8Array(4),
};
/** What an environment image packs as in the skeleton (its texels are sources). */
const STAND_IN_ENVIRONMENT = {
  width: 1,
  height: 1,
  rgb: new Float32Array(3),
};

/**
 * The identity of `scene` packed with `options`. Two scenes with {@linkcode sameScene}
 * identities pack to the same bytes, provided texture pixels and mesh data are not changed in
 * place (a changed texture or mesh must be given as new arrays). Cheap where packing is not:
 * it copies no pixels and no geometry, O(description) rather than O(pixels + triangles).
 *
 * @example
 * ```ts
 * import { sameScene, sceneIdentity } from "./scene_identity.ts";
 * import { scene } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const a = { description: scene({ width: 4, height: 4, elements: [], lights: [] }), textures: new Map() };
 * assert.ok(sameScene(sceneIdentity(a), sceneIdentity(structuredClone(a))));
 * const biased = { ...a, description: { ...a.description, shadow_bias: 1 } };
 * assert.ok(!sameScene(sceneIdentity(a), sceneIdentity(biased)));
 * ```
 */
export function sceneIdentity(
  scene: Scene,
  options: PackOptions = {},
): SceneIdentity {
  const sources: unknown[] = [];
  const sizes: number[] = [];
  const textures = new Map<string, TextureImage>();
  const meshes = new Map<string, MeshData>();
  const gltf = new Map<string, GltfModel>();
  const environments = new Map<
    string,
    { width: number; height: number; rgb: Float32Array }
  >();
  // One stand-in per parsed mesh, so meshes shared by several paths stay shared.
  const standIns = new Map<MeshData, MeshData>();
  for (const use of sceneAssets(scene.description)) {
    switch (use.kind) {
      case "texture": {
        const texture = scene.textures.get(use.path);
        if (texture === undefined || textures.has(use.path)) break;
        textures.set(use.path, STAND_IN_TEXTURE);
        sizes.push(texture.width, texture.height);
        sources.push(texture.data);
        break;
      }
      case "mesh": {
        const mesh = scene.meshes?.get(use.path);
        if (mesh === undefined || meshes.has(use.path)) break;
        let standIn = standIns.get(mesh);
        if (standIn === undefined) {
          standIn = {
            positions: new Float64Array(3),
            indices: new Uint32Array(3),
            degenerate: 0,
          };
          if (mesh.normals) standIn.normals = new Float32Array(3);
          if (mesh.uvs) standIn.uvs = new Float32Array(2);
          standIns.set(mesh, standIn);
        }
        meshes.set(use.path, standIn);
        sources.push(
          mesh,
          mesh.positions,
          mesh.normals,
          mesh.uvs,
          mesh.indices,
        );
        break;
      }
      case "gltf": {
        // The model by reference (the loader gives each load new arrays); its stand-in keeps
        // the layout (materials, instances) with one-triangle primitives and 1×1 images.
        const model = scene.gltf?.get(use.path);
        if (model === undefined || gltf.has(use.path)) break;
        gltf.set(use.path, gltfStandIn(model));
        sources.push(model);
        break;
      }
      case "environment": {
        const image = scene.environments?.get(use.path);
        if (image === undefined || environments.has(use.path)) break;
        environments.set(use.path, STAND_IN_ENVIRONMENT);
        sizes.push(image.width, image.height);
        sources.push(image.rgb);
        break;
      }
      default: {
        const unknownKind: never = use.kind;
        throw new TypeError(`unknown asset kind ${unknownKind}`);
      }
    }
  }
  const skeleton = packScene(
    { description: scene.description, textures, meshes, gltf, environments },
    options,
  );
  return { skeleton, sizes, sources };
}

/** `model` with each primitive one triangle (the same attributes) and each image 1×1. */
function gltfStandIn(model: GltfModel): GltfModel {
  const some = (values: Float32Array | undefined, size: number) =>
    values === undefined ? undefined : new Float32Array(3 * size);
  return {
    ...model,
    primitives: model.primitives.map((p) => ({
      ...p,
      positions: new Float32Array(9),
      normals: new Float32Array(9),
      uvs0: some(p.uvs0, 2),
      uvs1: some(p.uvs1, 2),
      colors: some(p.colors, 4),
      tangents: some(p.tangents, 4),
      indices: new Uint32Array(3),
    })),
    images: model.images.map((image) => ({ ...image, ...STAND_IN_TEXTURE })),
  };
}

/**
 * Whether two identities are of the same scene: equal skeletons and sizes, and the very same
 * arrays.
 *
 * @example
 * ```ts
 * import { sameScene } from "./scene_identity.ts";
 * import assert from "node:assert/strict";
 * const pixels = new Uint8Array(4);
 * const skeleton = new Uint8Array(8);
 * assert.ok(sameScene({ skeleton, sizes: [1, 1], sources: [pixels] }, { skeleton, sizes: [1, 1], sources: [pixels] }));
 * assert.ok(!sameScene({ skeleton, sizes: [1, 1], sources: [pixels] }, { skeleton, sizes: [1, 1], sources: [pixels.slice()] }));
 * ```
 */
export function sameScene(a: SceneIdentity, b: SceneIdentity): boolean {
  return sameBytes(a.skeleton, b.skeleton) &&
    a.sizes.length === b.sizes.length &&
    a.sizes.every((size, i) => size === b.sizes[i]) &&
    a.sources.length === b.sources.length &&
    a.sources.every((source, i) => source === b.sources[i]);
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  // Four bytes at a time when both are aligned (packed scenes are whole 8-byte words).
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = a.length >> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let i = 0; i < words; i++) if (wa[i] !== wb[i]) return false;
    for (let i = words << 2; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
