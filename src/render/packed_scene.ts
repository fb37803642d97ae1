/**
 * The one writer of the packed scene format, version 2: a serializer. The format belongs to
 * the Rust core: its layout and rules are documented once, in `rust/src/packed.rs`, whose
 * reader validates every value; this file only lays the scene's values out in that layout.
 * Meshes go in once each, in their own space, and elements place them (instances); the core
 * applies the transforms, computes smooth normals and builds the BVHs. The view (size, fov,
 * camera, samples) is not part of it, so one packed scene serves every render of the scene.
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
import { elementParts } from "../scene/elements.ts";
import { transformMatrix } from "../mesh/transform_matrix.ts";
import type { GltfMaterial, GltfModel, GltfTextureRef } from "../gltf/types.ts";
import { placeInstance } from "../gltf/placement.ts";

const MAGIC = [0x52, 0x41, 0x59, 0x50, 0x4f, 0x4f, 0x4c, 0x00]; // "RAYPOOL\0"
const VERSION = 2;
const HEADER_BYTES = 128;
const TEXTURE_HEAD_BYTES = 16;
const MATERIAL_BYTES = 256;
const MESH_HEAD_BYTES = 16;
const LIGHT_BYTES = 96;
/** "No texture", "no index". */
const NONE = 0xffff_ffff;
/** Flag bit 1: no BVH; every element is tested (tests and benchmarks compare against it). */
const FLAG_BRUTE_FORCE = 2;
/** Texture format 0: RGBA8 colour, decoded with the original's table. */
const TEXTURE_RGBA8_COLOR = 0;
/** Texture format 1: RGBA8 data, linear (metallic-roughness, normal maps). */
const TEXTURE_RGBA8_LINEAR = 1;

const enum ElementCode {
  Sphere = 0,
  Plane = 1,
  Instance = 2,
}

const ELEMENT_BYTES: Record<ElementCode, number> = {
  [ElementCode.Sphere]: 40,
  [ElementCode.Plane]: 56,
  [ElementCode.Instance]: 112,
};
/** Mesh object flag bits: per-vertex normals, per-vertex texture coordinates. */
const MESH_NORMALS = 1;
const MESH_UVS = 2;
const MESH_COLORS = 4;
const MESH_TANGENTS = 8;
/** Instance flag bit 0: shade smooth. */
const INSTANCE_SMOOTH = 1;

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
}

/** A mesh object: geometry in its own space, stored once however many elements place it. */
interface MeshObject {
  positions: ArrayLike<number>;
  normals?: ArrayLike<number>;
  uvs?: ArrayLike<number>;
  colors?: ArrayLike<number>;
  tangents?: ArrayLike<number>;
  indices: ArrayLike<number>;
}

/** A glTF material as the packer writes it: its fields and its textures' indices. */
interface GltfMaterialUse {
  gltf: GltfMaterial;
  /** Base colour, metallic-roughness, normal, emissive: the texture and its reference. */
  refs: ({ texture: number; ref: GltfTextureRef } | undefined)[];
}

/** glTF's default material, for primitives without one. */
const GLTF_DEFAULT_MATERIAL: GltfMaterial = {
  name: "default",
  baseColorFactor: [1, 1, 1, 1],
  metallicFactor: 1,
  roughnessFactor: 1,
  normalScale: 1,
  occlusionStrength: 1,
  emissiveFactor: [0, 0, 0],
  emissiveStrength: 1,
  transmission: 0,
  ior: 1.5,
  unlit: false,
  alphaMode: "OPAQUE",
  alphaCutoff: 0.5,
  doubleSided: false,
};

interface PackedElement {
  code: ElementCode;
  material: number;
  /** Sphere and plane: their f64 values. */
  values?: number[];
  /** Instance: the mesh object, its flags and its 3×4 matrix. */
  mesh?: number;
  flags?: number;
  matrix?: number[];
}

/**
 * Lays `scene` out in the core's packed scene format, version 2 (see `rust/src/packed.rs`):
 * header, textures, materials (each distinct material once, compared by value), mesh objects
 * (each mesh file, and each distinct inline mesh, once), elements in scene order (a mesh
 * element is an instance: mesh, material, smooth flag, transform), lights. Throws an `Error`
 * if a texture or mesh file the description names is missing from the scene; every other
 * value is checked by the core's reader.
 *
 * @example
 * ```ts
 * import { packScene } from "./packed_scene.ts";
 * import { material, mesh, point, rgb, scene, sphere } from "../../mod.ts";
 * import assert from "node:assert/strict";
 * const red = material({ color: rgb(1, 0, 0) });
 * const spheres = scene({
 *   width: 4,
 *   height: 4,
 *   elements: [1, 2, 3].map((x) => sphere({ center: point(x, 0, -5), radius: 1, material: { ...red } })),
 *   lights: [],
 * });
 * const bytes = packScene({ description: spheres, textures: new Map() });
 * // The header, one material, three spheres.
 * assert.equal(bytes.length, 128 + 256 + 3 * 40);
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, 7)), "RAYPOOL");
 *
 * // One triangle placed twice: the geometry once, then 112 bytes per placement.
 * const triangle = { positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 2], material: red };
 * const twice = scene({
 *   width: 4,
 *   height: 4,
 *   elements: [-1, 1].map((x) => mesh({ ...triangle, transform: { translate: { x, y: 0, z: -5 } } })),
 *   lights: [],
 * });
 * const mesh1 = 16 + 40 + 16; // head, 9 f32 positions padded, 3 u32 indices padded
 * assert.equal(packScene({ description: twice, textures: new Map() }).length, 128 + 256 + mesh1 + 2 * 112);
 * ```
 */
export function packScene(
  scene: Scene,
  options: PackOptions = {},
): Uint8Array<ArrayBuffer> {
  const d = scene.description;
  const textures: TextureImage[] = [];
  const textureFormats: number[] = [];
  const textureIndex = new Map<string, number>();
  const materials: (Material | GltfMaterialUse)[] = [];
  const materialIndex = new Map<string, number>();
  const meshes: MeshObject[] = [];
  const meshOfFile = new Map<MeshData, number>();
  const meshOfInline = new Map<string, number>();

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
      textureFormats.push(TEXTURE_RGBA8_COLOR);
      textureIndex.set(path, index);
    }
    return index;
  };
  // glTF models: each image once per colour space, each material and primitive once per model.
  const gltfTextureIndex = new Map<string, number>();
  const gltfMaterialIndex = new Map<string, number>();
  const gltfMeshIndex = new Map<string, number>();
  const gltfTextureOf = (
    path: string,
    model: GltfModel,
    ref: GltfTextureRef | undefined,
  ) => {
    if (ref === undefined) return undefined;
    const key = `${path}\0${ref.image}\0${ref.colorSpace}`;
    let index = gltfTextureIndex.get(key);
    if (index === undefined) {
      index = textures.length;
      textures.push(model.images[ref.image]);
      textureFormats.push(
        ref.colorSpace === "srgb" ? TEXTURE_RGBA8_COLOR : TEXTURE_RGBA8_LINEAR,
      );
      gltfTextureIndex.set(key, index);
    }
    return { texture: index, ref };
  };
  const gltfMaterialOf = (path: string, model: GltfModel, m: number) => {
    const key = `${path}\0${m}`;
    let index = gltfMaterialIndex.get(key);
    if (index === undefined) {
      const gltf = m < 0 ? GLTF_DEFAULT_MATERIAL : model.materials[m];
      index = materials.length;
      materials.push({
        gltf,
        refs: [
          gltfTextureOf(path, model, gltf.baseColorTexture),
          gltfTextureOf(path, model, gltf.metallicRoughnessTexture),
          gltfTextureOf(path, model, gltf.normalTexture),
          gltfTextureOf(path, model, gltf.emissiveTexture),
        ],
      });
      gltfMaterialIndex.set(key, index);
    }
    return index;
  };
  const gltfMeshOf = (path: string, model: GltfModel, p: number) => {
    const key = `${path}\0${p}`;
    let index = gltfMeshIndex.get(key);
    if (index === undefined) {
      const primitive = model.primitives[p];
      index = meshes.length;
      meshes.push({
        positions: primitive.positions,
        // Generated flat normals are the faces': the core uses its own for those.
        normals: primitive.flatNormals ? undefined : primitive.normals,
        uvs: primitive.uvs0,
        colors: primitive.colors,
        tangents: primitive.tangents,
        indices: primitive.indices,
      });
      gltfMeshIndex.set(key, index);
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
  const meshOf = (mesh: Mesh): number => {
    if (mesh.path !== undefined) {
      const file = scene.meshes?.get(mesh.path);
      if (file === undefined) {
        throw new Error(
          `mesh ${JSON.stringify(mesh.path)} is missing from scene.meshes`,
        );
      }
      // By identity: the loader gives every spelling of one file the same parsed mesh.
      let index = meshOfFile.get(file);
      if (index === undefined) {
        index = meshes.length;
        meshes.push(file);
        meshOfFile.set(file, index);
      }
      return index;
    }
    const positions = mesh.positions ?? [];
    const indices = mesh.indices ?? [];
    // By value: a mesh written inline many times is stored once.
    const key = JSON.stringify([positions, indices, mesh.uvs ?? null]);
    let index = meshOfInline.get(key);
    if (index === undefined) {
      index = meshes.length;
      meshes.push({ positions, indices, uvs: mesh.uvs });
      meshOfInline.set(key, index);
    }
    return index;
  };

  const elements = d.elements.flatMap((element): PackedElement[] => {
    const parts = elementParts(element);
    switch (parts.kind) {
      case "Sphere": {
        const { center, radius, material } = parts.body;
        return [{
          code: ElementCode.Sphere,
          material: materialOf(material),
          values: [center.x, center.y, center.z, radius],
        }];
      }
      case "Plane": {
        const { origin, normal, material } = parts.body;
        return [{
          code: ElementCode.Plane,
          material: materialOf(material),
          values: [origin.x, origin.y, origin.z, normal.x, normal.y, normal.z],
        }];
      }
      case "Mesh":
        return [{
          code: ElementCode.Instance,
          material: materialOf(parts.body.material),
          mesh: meshOf(parts.body),
          flags: parts.body.smooth ? INSTANCE_SMOOTH : 0,
          matrix: transformMatrix(parts.body.transform),
        }];
      case "Gltf": {
        const { path, transform } = parts.body;
        const model = scene.gltf?.get(path);
        if (model === undefined) {
          throw new Error(
            `glTF model ${JSON.stringify(path)} is missing from scene.gltf`,
          );
        }
        const placement = transformMatrix(transform);
        return model.instances.map(({ primitive, matrix }) => ({
          code: ElementCode.Instance,
          material: gltfMaterialOf(
            path,
            model,
            model.primitives[primitive].material,
          ),
          mesh: gltfMeshOf(path, model, primitive),
          flags: model.primitives[primitive].flatNormals ? 0 : INSTANCE_SMOOTH,
          matrix: placeInstance(placement, matrix),
        }));
      }
      default: {
        const unknownKind: never = parts;
        throw new TypeError(
          `unknown element kind ${JSON.stringify(unknownKind)}`,
        );
      }
    }
  });
  for (const material of materials) {
    if ("gltf" in material) continue;
    const c = material.coloration;
    if ("Texture" in c) textureOf(c.Texture.path);
  }

  // The path tracer's environment image, after every colour texture (format 2, RGB f32).
  const env = d.environment !== undefined && "Hdr" in d.environment
    ? d.environment.Hdr
    : undefined;
  const envImage = env === undefined
    ? undefined
    : scene.environments?.get(env.path);
  if (env !== undefined && envImage === undefined) {
    throw new Error(
      `environment ${
        JSON.stringify(env.path)
      } is missing from scene.environments`,
    );
  }
  let size = HEADER_BYTES;
  for (const t of textures) {
    size += TEXTURE_HEAD_BYTES + align8(t.width * t.height * 4);
  }
  if (envImage !== undefined) {
    size += TEXTURE_HEAD_BYTES + align8(envImage.width * envImage.height * 12);
  }
  size += materials.length * MATERIAL_BYTES;
  for (const m of meshes) size += meshBytes(m);
  for (const e of elements) size += ELEMENT_BYTES[e.code];
  size += d.lights.length * LIGHT_BYTES;

  const bytes = new Uint8Array(size);
  const w = new Writer(bytes);

  bytes.set(MAGIC, 0);
  w.at = 8;
  w.u32(VERSION);
  w.u32(options.bruteForce ? FLAG_BRUTE_FORCE : 0);
  w.f64(d.shadow_bias);
  w.u32(d.max_recursion_depth);
  w.u32(textures.length + (envImage === undefined ? 0 : 1));
  w.u32(materials.length);
  w.u32(meshes.length);
  w.u32(elements.length);
  w.u32(d.lights.length);
  // The path tracer's settings; absent, the values that mean "render as the original".
  const path = d.integrator !== undefined && d.integrator !== "Whitted"
    ? d.integrator.Path
    : undefined;
  w.u32(path === undefined ? 0 : 1); // integrator
  w.u32(path?.max_bounces ?? 0);
  const envColor = d.environment !== undefined && "Color" in d.environment
    ? d.environment.Color
    : { red: 0, green: 0, blue: 0 };
  w.f32(envColor.red), w.f32(envColor.green), w.f32(envColor.blue);
  w.u32(envImage === undefined ? NONE : textures.length); // environment texture
  w.f32(env?.intensity ?? 1);
  w.f32(env?.rotation_degrees ?? 0);
  w.u32(TONE_MAPPING[d.tone_mapping ?? "Clamp"]);
  w.f32(d.exposure ?? 0);
  w.at = HEADER_BYTES;

  for (const [i, t] of textures.entries()) {
    w.u32(t.width);
    w.u32(t.height);
    w.u32(textureFormats[i]);
    w.u32(0);
    bytes.set(t.data, w.at);
    w.at += align8(t.width * t.height * 4);
  }
  if (envImage !== undefined) {
    w.u32(envImage.width);
    w.u32(envImage.height);
    w.u32(TEXTURE_RGB_F32);
    w.u32(0);
    w.f32s(envImage.rgb);
  }
  for (const material of materials) {
    const start = w.at;
    if ("gltf" in material) {
      writeGltfMaterial(w, material);
      w.at = start + MATERIAL_BYTES;
      continue;
    }
    const c = material.coloration;
    const s = material.surface;
    w.u32("Color" in c ? 0 : 1);
    w.u32(surfaceCode(s));
    const color = "Color" in c ? c.Color : { red: 0, green: 0, blue: 0 };
    w.f32(color.red), w.f32(color.green), w.f32(color.blue);
    w.u32("Texture" in c ? textureIndex.get(c.Texture.path)! : NONE);
    w.f32(material.albedo);
    if (s === "Diffuse" || "Pbr" in s) {
      w.f32(0), w.f32(0);
    } else if ("Reflective" in s) {
      w.f32(s.Reflective.reflectivity), w.f32(0);
    } else {
      w.f32(s.Refractive.index), w.f32(s.Refractive.transparency);
    }
    w.u32(0); // flags: seen from both sides, lit
    w.u32(0); // alpha mode: opaque
    w.f32(0.5); // alpha cut-off
    // The physically based fields, glTF's defaults where absent (the original's surfaces
    // ignore them).
    const p = typeof s === "object" && "Pbr" in s ? s.Pbr : {};
    w.f32(1), w.f32(1), w.f32(1), w.f32(1); // base colour factor
    w.f32(p.metallic ?? 0);
    w.f32(p.roughness ?? 0.5);
    const e = p.emission ?? { red: 1, green: 1, blue: 1 };
    w.f32(e.red), w.f32(e.green), w.f32(e.blue);
    w.f32(p.emission_strength ?? 0);
    w.f32(p.transmission ?? 0);
    w.f32(p.ior ?? 1.5);
    w.f32(1); // normal scale
    w.u32(0);
    for (let i = 0; i < 4; i++) w.noTexture();
    w.at = start + MATERIAL_BYTES;
  }
  for (const mesh of meshes) {
    const vertices = mesh.positions.length / 3;
    w.u32(
      (mesh.normals ? MESH_NORMALS : 0) | (mesh.uvs ? MESH_UVS : 0) |
        (mesh.colors ? MESH_COLORS : 0) | (mesh.tangents ? MESH_TANGENTS : 0),
    );
    w.u32(vertices);
    w.u32(mesh.indices.length / 3);
    w.u32(0);
    w.f32s(mesh.positions);
    if (mesh.normals) w.f32s(mesh.normals);
    if (mesh.uvs) w.f32s(mesh.uvs);
    if (mesh.colors) w.f32s(mesh.colors);
    if (mesh.tangents) w.f32s(mesh.tangents);
    w.u32s(mesh.indices);
  }
  for (const element of elements) {
    w.u32(element.code);
    w.u32(element.material);
    if (element.code === ElementCode.Instance) {
      w.u32(element.mesh!);
      w.u32(element.flags!);
      for (const value of element.matrix!) w.f64(value);
    } else {
      for (const value of element.values!) w.f64(value);
    }
  }
  for (const light of d.lights) {
    const [kind, l, v] = "Directional" in light
      ? [0, light.Directional, light.Directional.direction]
      : [1, light.Spherical, light.Spherical.position];
    const start = w.at;
    w.u32(kind);
    w.u32(0);
    w.f64(v.x), w.f64(v.y), w.f64(v.z);
    w.f64(l.color.red), w.f64(l.color.green), w.f64(l.color.blue);
    w.f64(l.intensity);
    // The spot light's direction and cone angles stay 0.
    w.at = start + LIGHT_BYTES;
  }
  return bytes;
}

/** Texture format 2: RGB f32, linear (HDR environments). */
const TEXTURE_RGB_F32 = 2;

/** The header's tone mapping codes. */
/** The packed header's tone-mapping codes. */
export const TONE_MAPPING = { Clamp: 0, Neutral: 1, Aces: 2 } as const;

/** The material record's surface code. */
function surfaceCode(s: Material["surface"]): number {
  if (s === "Diffuse") return 0;
  if ("Reflective" in s) return 1;
  if ("Refractive" in s) return 2;
  if ("Pbr" in s) return 3;
  const unknownSurface: never = s;
  throw new TypeError(`unknown surface ${JSON.stringify(unknownSurface)}`);
}

/** Little-endian fields into a zero-filled buffer. */
class Writer {
  at = 0;
  readonly #bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }

  u32(value: number): void {
    this.#view.setUint32(this.at, value, true);
    this.at += 4;
  }

  f32(value: number): void {
    this.#view.setFloat32(this.at, value, true);
    this.at += 4;
  }

  f64(value: number): void {
    this.#view.setFloat64(this.at, value, true);
    this.at += 8;
  }

  /** A texture reference to no texture (its transform the identity). */
  noTexture(): void {
    this.u32(NONE);
    this.u32(0); // texcoord set
    this.u32(0); // sampler: repeat, nearest
    this.f32(0), this.f32(0); // offset
    this.f32(0); // rotation
    this.f32(1), this.f32(1); // scale
  }

  /** An array of f32 (each number rounded to the nearest), padded to 8 bytes. */
  f32s(values: ArrayLike<number>): void {
    if (LITTLE_ENDIAN) {
      new Float32Array(this.#bytes.buffer, this.at, values.length).set(values);
      this.at += 4 * values.length;
    } else {
      for (let i = 0; i < values.length; i++) this.f32(values[i]);
    }
    this.at = align8(this.at);
  }

  /** An array of u32, padded to 8 bytes. */
  u32s(values: ArrayLike<number>): void {
    if (LITTLE_ENDIAN) {
      new Uint32Array(this.#bytes.buffer, this.at, values.length).set(values);
      this.at += 4 * values.length;
    } else {
      for (let i = 0; i < values.length; i++) this.u32(values[i]);
    }
    this.at = align8(this.at);
  }
}

/** Typed arrays use the platform's byte order; the format's is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a mesh object: its head and its arrays, each padded to 8 bytes. */
function meshBytes(mesh: MeshObject): number {
  const vertices = mesh.positions.length / 3;
  return MESH_HEAD_BYTES +
    align8(4 * 3 * vertices) +
    (mesh.normals ? align8(4 * 3 * vertices) : 0) +
    (mesh.uvs ? align8(4 * 2 * vertices) : 0) +
    (mesh.colors ? align8(4 * 4 * vertices) : 0) +
    (mesh.tangents ? align8(4 * 4 * vertices) : 0) +
    align8(4 * mesh.indices.length);
}

/**
 * A glTF material's record: surface 3 (pbr), albedo 1, the base colour factor's colour as the
 * coloration and its alpha in the factor, so the base colour is the factor times the texture. Values a file may give out of glTF's ranges are clamped
 * into them, as viewers do.
 */
function writeGltfMaterial(w: Writer, { gltf, refs }: GltfMaterialUse): void {
  const unit = (x: number) => Math.min(1, Math.max(0, x));
  const nonNegative = (x: number) => Math.max(0, x);
  // The factor's colour goes in the coloration (what the Whitted integrator shades pbr with),
  // its alpha in the factor: base colour = coloration × albedo × factor × texture either way.
  const [red, green, blue, alpha] = gltf.baseColorFactor;
  w.u32(0); // coloration: colour
  w.u32(3); // surface: pbr
  w.f32(unit(red)), w.f32(unit(green)), w.f32(unit(blue));
  w.u32(NONE);
  w.f32(1); // albedo
  w.f32(0), w.f32(0);
  w.u32((gltf.doubleSided ? 0 : 1) | (gltf.unlit ? 2 : 0));
  w.u32(
    gltf.alphaMode === "OPAQUE" ? 0 : gltf.alphaMode === "MASK" ? 1 : 2,
  );
  w.f32(unit(gltf.alphaCutoff));
  w.f32(1), w.f32(1), w.f32(1), w.f32(unit(alpha));
  w.f32(unit(gltf.metallicFactor));
  w.f32(unit(gltf.roughnessFactor));
  for (const c of gltf.emissiveFactor) w.f32(nonNegative(c));
  w.f32(nonNegative(gltf.emissiveStrength));
  w.f32(unit(gltf.transmission));
  w.f32(Math.max(1, gltf.ior));
  w.f32(gltf.normalScale);
  w.u32(0);
  for (const use of refs) {
    if (use === undefined) {
      w.noTexture();
      continue;
    }
    const { ref } = use;
    const wrap = (mode: GltfTextureRef["wrapS"]) =>
      mode === "Repeat" ? 0 : mode === "ClampToEdge" ? 1 : 2;
    w.u32(use.texture);
    w.u32(0); // texcoord set: meshes carry one (TEXCOORD_0)
    w.u32(
      wrap(ref.wrapS) | (wrap(ref.wrapT) << 2) |
        (ref.magFilter === "Linear" ? 16 : 0),
    );
    const t = ref.transform;
    w.f32(t?.offset[0] ?? 0), w.f32(t?.offset[1] ?? 0);
    w.f32(t?.rotation ?? 0);
    w.f32(t?.scale[0] ?? 1), w.f32(t?.scale[1] ?? 1);
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * Equal for materials equal by value. Validated materials (`checkScene` gives the renderer
 * nothing else) are fresh objects with their keys in one order, so their JSON is the value,
 * whatever properties materials grow.
 */
function materialKey(m: Material): string {
  return JSON.stringify(m);
}
