/**
 * The neutral form of a loaded glTF 2.0 file ({@linkcode GltfModel}): what raypool takes from
 * it, in plain typed arrays, independent of the library that parsed it and of the renderer's
 * scene format. Geometry is in object space (each primitive once), placed by instances with
 * world matrices; materials follow glTF's metallic-roughness model field by field.
 *
 * Matrices are 16 numbers, column-major as glTF writes them.
 *
 * @module
 */

import type { TextureImage } from "../types.ts";

/** One triangle list in object space: a glTF mesh primitive after triangulation. */
export interface GltfPrimitive {
  /** Where it came from, e.g. `meshes[2].primitives[0]`. */
  readonly source: string;
  /** Index into {@linkcode GltfModel.materials}, or -1 for glTF's default material. */
  readonly material: number;
  /** x, y, z per vertex. */
  readonly positions: Float32Array;
  /**
   * x, y, z per vertex, unit length. When the file has none they are the faces' normals (flat
   * shading, as glTF requires), and the vertices are split per triangle.
   */
  readonly normals: Float32Array;
  /** True when {@linkcode normals} were generated (flat) rather than read. */
  readonly flatNormals: boolean;
  /** `TEXCOORD_0`, u, v per vertex (v down, as glTF's images). */
  readonly uvs0?: Float32Array;
  /** `TEXCOORD_1`, u, v per vertex. */
  readonly uvs1?: Float32Array;
  /** `COLOR_0` as linear r, g, b, a per vertex (vec3 colours get a = 1). */
  readonly colors?: Float32Array;
  /**
   * x, y, z, w per vertex (w = ±1, the bitangent's sign): read from the file, or generated from
   * the normal map's texture coordinates when the material has a normal map and the file has
   * none.
   */
  readonly tangents?: Float32Array;
  /** True when {@linkcode tangents} were generated. */
  readonly generatedTangents: boolean;
  /** Three vertex indices per triangle, counter-clockwise front faces. */
  readonly indices: Uint32Array;
}

/** One placement of a primitive: its world matrix comes from the node hierarchy. */
export interface GltfInstance {
  /** Index into {@linkcode GltfModel.primitives}. */
  readonly primitive: number;
  /** The node that placed it (its index in the file's `nodes`). */
  readonly node: number;
  /** Object to world, column-major. */
  readonly matrix: Float64Array;
}

/** Wrap modes of a sampler (glTF's numbers: 33071, 33648, 10497). */
export type GltfWrap = "ClampToEdge" | "MirroredRepeat" | "Repeat";

/** Filters of a sampler; raypool samples bilinearly either way. */
export type GltfFilter = "Nearest" | "Linear";

/** A texture as a material slot uses it. */
export interface GltfTextureRef {
  /** Index into {@linkcode GltfModel.images}. */
  readonly image: number;
  /** Which texture coordinates (0 or 1; `KHR_texture_transform` may override it). */
  readonly texCoord: number;
  /** sRGB for base colour and emission; linear for data (metallic-roughness, normals). */
  readonly colorSpace: "srgb" | "linear";
  /** The sampler's wrap in u. */
  readonly wrapS: GltfWrap;
  /** The sampler's wrap in v. */
  readonly wrapT: GltfWrap;
  /** The sampler's magnification filter (glTF leaves it undefined: Linear here). */
  readonly magFilter: GltfFilter;
  /** The sampler's minification filter, reduced to Nearest or Linear. */
  readonly minFilter: GltfFilter;
  /**
   * `KHR_texture_transform`: uv' = T(offset) · R(rotation) · S(scale) · uv, absent when the
   * slot has none.
   */
  readonly transform?: {
    readonly offset: readonly [number, number];
    readonly rotation: number;
    readonly scale: readonly [number, number];
  };
}

/** A glTF material, metallic-roughness, with the supported extensions folded in. */
export interface GltfMaterial {
  /** The material's name, or `materials[i]`. */
  readonly name: string;
  /** Linear RGBA. */
  readonly baseColorFactor: readonly [number, number, number, number];
  /** The base colour texture (sRGB), multiplied by the factor. */
  readonly baseColorTexture?: GltfTextureRef;
  /** 0 dielectric to 1 metal (1 by glTF's default). */
  readonly metallicFactor: number;
  /** 0 smooth to 1 rough (1 by glTF's default). */
  readonly roughnessFactor: number;
  /** Roughness in G, metallic in B (linear). */
  readonly metallicRoughnessTexture?: GltfTextureRef;
  /** The tangent-space normal map (linear). */
  readonly normalTexture?: GltfTextureRef;
  /** The normal map's scale (1 by default). */
  readonly normalScale: number;
  /** Ambient occlusion in R (read, not used by the renderer: it traces occlusion). */
  readonly occlusionTexture?: GltfTextureRef;
  /** The occlusion texture's strength. */
  readonly occlusionStrength: number;
  /** Linear RGB. */
  readonly emissiveFactor: readonly [number, number, number];
  /** The emissive texture (sRGB), multiplied by the factor. */
  readonly emissiveTexture?: GltfTextureRef;
  /** `KHR_materials_emissive_strength` (1 without it). */
  readonly emissiveStrength: number;
  /** `KHR_materials_transmission` (0 without it). */
  readonly transmission: number;
  /** Transmission in R (linear), multiplied by the factor. */
  readonly transmissionTexture?: GltfTextureRef;
  /** `KHR_materials_ior` (1.5 without it). */
  readonly ior: number;
  /** `KHR_materials_unlit`. */
  readonly unlit: boolean;
  /** How the base colour's alpha is used. */
  readonly alphaMode: "OPAQUE" | "MASK" | "BLEND";
  /** Used by MASK (0.5 by default). */
  readonly alphaCutoff: number;
  /** Seen from both sides (else back faces are not hit). */
  readonly doubleSided: boolean;
}

/** A decoded image: RGBA8, as in the file (no colour conversion; see the refs' colour space). */
export interface GltfImage extends TextureImage {
  /** The image's name or URI, or `images[i]`. */
  readonly name: string;
  /** `image/png` or `image/jpeg`. */
  readonly mimeType: string;
}

/** A camera placed by a node. */
export type GltfCamera =
  & {
    /** The camera's name, or `cameras[i]`. */
    readonly name: string;
    /** The node that placed it. */
    readonly node: number;
    /** Camera to world, column-major; the camera looks down its −Z with +Y up. */
    readonly matrix: Float64Array;
    readonly znear: number;
    /** Absent: infinite (perspective only). */
    readonly zfar?: number;
  }
  & (
    | {
      readonly type: "perspective";
      /** Vertical field of view, radians. */
      readonly yfov: number;
      /** Width ÷ height, when the file gives one. */
      readonly aspectRatio?: number;
    }
    | {
      readonly type: "orthographic";
      /** Half the view's width and height. */
      readonly xmag: number;
      readonly ymag: number;
    }
  );

/** A `KHR_lights_punctual` light placed by a node, in world space. */
export interface GltfLight {
  /** The light's name, or `lights[i]`. */
  readonly name: string;
  /** The kind of light. */
  readonly type: "point" | "spot" | "directional";
  /** The node that placed it. */
  readonly node: number;
  /** Linear RGB. */
  readonly color: readonly [number, number, number];
  /** Candela for point and spot lights, lux for directional ones. */
  readonly intensity: number;
  /** Absent: infinite. */
  readonly range?: number;
  /** World position (point, spot). */
  readonly position: readonly [number, number, number];
  /** World direction the light shines in, unit length (spot, directional): the node's −Z. */
  readonly direction: readonly [number, number, number];
  /** Spot cone angles in radians. */
  readonly innerConeAngle: number;
  /** The spot's outer cone angle in radians. */
  readonly outerConeAngle: number;
}

/** Everything raypool takes from a glTF file. */
export interface GltfModel {
  /** The file as given to the loader. */
  readonly path: string;
  /** Each primitive of the meshes the scene uses, once, in object space. */
  readonly primitives: readonly GltfPrimitive[];
  /** Every placement of a primitive by a node of the shown scene. */
  readonly instances: readonly GltfInstance[];
  /** The file's materials, in file order (primitives refer to them by index). */
  readonly materials: readonly GltfMaterial[];
  /** The images the materials use, decoded (texture refs refer to them by index). */
  readonly images: readonly GltfImage[];
  /** In node order; the first is the model's default view. */
  readonly cameras: readonly GltfCamera[];
  /** `KHR_lights_punctual` lights placed by the shown scene's nodes. */
  readonly lights: readonly GltfLight[];
  /**
   * World-space bounds of every instance's vertices ([0,0,0] twice when there are none); for
   * scenes of more than 4 Mi placed vertices, of the placed object boxes' corners.
   */
  readonly bounds: {
    readonly min: readonly [number, number, number];
    readonly max: readonly [number, number, number];
  };
  /** One line each: unsupported extensions and features the file uses (not printed). */
  readonly warnings: readonly string[];
  /** Every file read: the glTF itself and its resources (for `--watch` and the farm). */
  readonly files: readonly string[];
}
