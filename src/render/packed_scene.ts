/**
 * The one writer of the packed scene format. The format belongs to the Rust core: its layout
 * and rules are documented once, in `rust/src/packed.rs`, whose reader validates every value;
 * this file only lays the scene's values out in that layout. The view (size, fov, camera,
 * samples) is not part of it, so one packed scene serves every render of the scene.
 *
 * @module
 */

import type {
  Material,
  Mesh,
  MeshData,
  Scene,
  TextureImage,
} from "../types.ts";
import { meshGeometry } from "../mesh/mesh_geometry.ts";
import { elementParts } from "../scene/elements.ts";

const MAGIC = [0x52, 0x41, 0x59, 0x50, 0x4f, 0x4f, 0x4c, 0x00]; // "RAYPOOL\0"
const VERSION = 1;
const HEADER_BYTES = 48;
const MATERIAL_BYTES = 64;
const LIGHT_BYTES = 64;
/** Flag bit 1: no BVH; every element is tested (tests and benchmarks compare against it). */
const FLAG_BRUTE_FORCE = 2;

const enum ElementKind {
  Sphere = 0,
  Plane = 1,
  Mesh = 2,
}

const ELEMENT_BYTES: Record<ElementKind, number> = {
  [ElementKind.Sphere]: 40,
  [ElementKind.Plane]: 56,
  // The fixed part; the arrays follow (see `meshBytes`).
  [ElementKind.Mesh]: 24,
};
/** Mesh flag bits: per-vertex normals (smooth shading), per-vertex texture coordinates. */
const MESH_NORMALS = 1;
const MESH_UVS = 2;

/**
 * Options for {@linkcode packScene}.
 *
 * @example
 * ```ts
 * import type { PackOptions } from "./packed_scene.ts";
 * const options: PackOptions = { bruteForce: true };
 * ```
 */
export interface PackOptions {
  /** Ask the core for no BVH (tests and benchmarks compare against brute force). */
  bruteForce?: boolean;
  /**
   * Write a fingerprint instead of a packed scene: texture pixels and mesh geometry are left
   * out and their sources (pixel arrays, mesh data and arrays, mesh settings) are listed in
   * `sources`, in order. Equal fingerprints with identical sources pack to equal bytes; it is
   * cheap where the full bytes copy pixels and transform meshes.
   */
  fingerprint?: { sources: unknown[] };
}

/**
 * Lays `scene` out in the core's packed scene format (see `rust/src/packed.rs`): settings,
 * textures, materials (each distinct material once, compared by value), elements in scene
 * order, lights. Throws an `Error` if a texture the description names is missing from
 * `scene.textures`; every other value is checked by the core's reader.
 *
 * @example
 * ```ts
 * import { packScene } from "./packed_scene.ts";
 * import { material, point, rgb, scene, sphere } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const red = material({ color: rgb(1, 0, 0) });
 * const description = scene({
 *   width: 4,
 *   height: 4,
 *   elements: [1, 2, 3].map((x) => sphere({ center: point(x, 0, -5), radius: 1, material: { ...red } })),
 *   lights: [],
 * });
 * const bytes = packScene({ description, textures: new Map() });
 * // One material, three spheres: 48 + 64 + 3 × 40 bytes.
 * assert.equal(bytes.length, 48 + 64 + 3 * 40);
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, 7)), "RAYPOOL");
 * ```
 */
export function packScene(
  scene: Scene,
  options: PackOptions = {},
): Uint8Array<ArrayBuffer> {
  const d = scene.description;
  const fingerprint = options.fingerprint;
  const textures: TextureImage[] = [];
  const textureIndex = new Map<string, number>();
  const materials: Material[] = [];
  const materialIndex = new Map<string, number>();

  const textureOf = (path: string): number => {
    let index = textureIndex.get(path);
    if (index === undefined) {
      const texture = scene.textures.get(path);
      if (texture === undefined) {
        throw new Error(
          `texture ${JSON.stringify(path)} is missing from scene.textures`,
        );
      }
      const bytes = texture.width * texture.height * 4;
      if (texture.data?.length !== bytes) {
        throw new RangeError(
          `texture ${
            JSON.stringify(path)
          } must hold ${texture.width}×${texture.height}×4 = ${bytes} bytes, got ${texture.data?.length}`,
        );
      }
      index = textures.length;
      textures.push(texture);
      textureIndex.set(path, index);
    }
    return index;
  };
  const materialOf = (material: Material): number => {
    // By value: scenes parsed from JSON (or validated) hold one object per use.
    const key = materialKey(material);
    let index = materialIndex.get(key);
    if (index === undefined) {
      index = materials.length;
      materials.push(material);
      materialIndex.set(key, index);
    }
    return index;
  };
  interface Packed {
    kind: ElementKind;
    material: number;
    values: number[];
    mesh?: MeshData;
    sources?: unknown[];
  }
  const elements = d.elements.map((element): Packed => {
    const parts = elementParts(element);
    switch (parts.kind) {
      case "Sphere": {
        const { center, radius, material } = parts.body;
        return {
          kind: ElementKind.Sphere,
          material: materialOf(material),
          values: [center.x, center.y, center.z, radius],
        };
      }
      case "Plane": {
        const { origin, normal, material } = parts.body;
        return {
          kind: ElementKind.Plane,
          material: materialOf(material),
          values: [origin.x, origin.y, origin.z, normal.x, normal.y, normal.z],
        };
      }
      case "Mesh":
        return {
          kind: ElementKind.Mesh,
          material: materialOf(parts.body.material),
          values: [],
          mesh: fingerprint === undefined
            ? meshGeometry(parts.body, scene.meshes)
            : undefined,
          ...(fingerprint === undefined ? {} : {
            sources: meshSources(parts.body, scene.meshes),
          }),
        };
      default: {
        const unknownKind: never = parts;
        throw new TypeError(
          `unknown element kind ${JSON.stringify(unknownKind)}`,
        );
      }
    }
  });
  for (const material of materials) {
    const c = material.coloration;
    if ("Texture" in c) textureOf(c.Texture.path);
  }

  let size = HEADER_BYTES;
  for (const t of textures) {
    size += 8 + (fingerprint ? 0 : align8(t.width * t.height * 4));
  }
  size += materials.length * MATERIAL_BYTES;
  for (const e of elements) {
    size += ELEMENT_BYTES[e.kind] + (e.mesh ? meshBytes(e.mesh) : 0);
  }
  size += d.lights.length * LIGHT_BYTES;

  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const u32 = (value: number) => {
    view.setUint32(at, value, true);
    at += 4;
  };
  const f64 = (value: number) => {
    view.setFloat64(at, value, true);
    at += 8;
  };

  bytes.set(MAGIC, 0);
  at = 8;
  u32(VERSION);
  u32(options.bruteForce ? FLAG_BRUTE_FORCE : 0);
  f64(d.shadow_bias);
  u32(d.max_recursion_depth);
  u32(textures.length);
  u32(materials.length);
  u32(elements.length);
  u32(d.lights.length);
  u32(0);

  for (const t of textures) {
    u32(t.width);
    u32(t.height);
    if (fingerprint) {
      fingerprint.sources.push(t.data);
      continue;
    }
    bytes.set(t.data, at);
    at += align8(t.width * t.height * 4);
  }
  for (const material of materials) {
    const c = material.coloration;
    const s = material.surface;
    u32("Color" in c ? 0 : 1);
    u32(s === "Diffuse" ? 0 : "Reflective" in s ? 1 : 2);
    const color = "Color" in c ? c.Color : { red: 0, green: 0, blue: 0 };
    f64(color.red);
    f64(color.green);
    f64(color.blue);
    u32("Texture" in c ? textureIndex.get(c.Texture.path)! : 0);
    u32(0);
    f64(material.albedo);
    if (s === "Diffuse") {
      f64(0);
      f64(0);
    } else if ("Reflective" in s) {
      f64(s.Reflective.reflectivity);
      f64(0);
    } else {
      f64(s.Refractive.index);
      f64(s.Refractive.transparency);
    }
  }
  for (const element of elements) {
    u32(element.kind);
    u32(element.material);
    for (const value of element.values) f64(value);
    if (element.sources) fingerprint?.sources.push(...element.sources);
    const mesh = element.mesh;
    if (mesh === undefined) continue;
    const vertices = mesh.positions.length / 3;
    u32((mesh.normals ? MESH_NORMALS : 0) | (mesh.uvs ? MESH_UVS : 0));
    u32(vertices);
    u32(mesh.indices.length / 3);
    u32(0);
    for (const value of mesh.positions) f64(value);
    for (const part of [mesh.normals, mesh.uvs]) {
      if (part === undefined) continue;
      for (const value of part) {
        view.setFloat32(at, value, true);
        at += 4;
      }
      at = align8(at);
    }
    for (const index of mesh.indices) u32(index);
    at = align8(at);
  }
  for (const light of d.lights) {
    const [kind, l, v] = "Directional" in light
      ? [0, light.Directional, light.Directional.direction]
      : [1, light.Spherical, light.Spherical.position];
    u32(kind);
    u32(0);
    f64(v.x);
    f64(v.y);
    f64(v.z);
    f64(l.color.red);
    f64(l.color.green);
    f64(l.color.blue);
    f64(l.intensity);
  }
  return bytes;
}

/** What a mesh element's geometry is made from, for a fingerprint. */
function meshSources(
  mesh: Mesh,
  files: ReadonlyMap<string, MeshData> | undefined,
): unknown[] {
  return [
    mesh.path === undefined ? mesh.positions : files?.get(mesh.path),
    mesh.indices,
    mesh.uvs,
    JSON.stringify([mesh.path, mesh.transform, mesh.smooth]),
  ];
}

/** The bytes of a mesh element after its fixed part (each array padded to 8 bytes). */
function meshBytes(mesh: MeshData): number {
  const vertices = mesh.positions.length / 3;
  return 8 * 3 * vertices +
    (mesh.normals ? align8(4 * 3 * vertices) : 0) +
    (mesh.uvs ? align8(4 * 2 * vertices) : 0) +
    align8(4 * mesh.indices.length);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Equal for materials equal by value, whatever their key order. */
function materialKey(m: Material): string {
  const c = m.coloration;
  const s = m.surface;
  return JSON.stringify([
    "Color" in c ? [c.Color.red, c.Color.green, c.Color.blue] : c.Texture.path,
    m.albedo,
    s === "Diffuse"
      ? 0
      : "Reflective" in s
      ? [s.Reflective.reflectivity]
      : [s.Refractive.index, s.Refractive.transparency],
  ]);
}
