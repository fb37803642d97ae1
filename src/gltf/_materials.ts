// Private: glTF materials to GltfMaterial, and the images their slots use decoded to RGBA8.

// deno-lint-ignore no-import-prefix
import type * as Core from "npm:@gltf-transform/core@4.5.1";
// deno-lint-ignore no-import-prefix
import type * as Ext from "npm:@gltf-transform/extensions@4.5.1";
import { abortError } from "../_abort.ts";
import { reason } from "../_errors.ts";
import { loadImagescript } from "../_imagescript.ts";
import { abortable } from "../scene/_abortable.ts";
import { gltfError } from "./_error.ts";
import {
  MAX_GLTF_IMAGE_PIXELS,
  MAX_GLTF_TOTAL_IMAGE_PIXELS,
} from "./limits.ts";
type Material = Core.Material;
type Texture = Core.Texture;
type TextureInfo = Core.TextureInfo;

import type {
  GltfFilter,
  GltfImage,
  GltfMaterial,
  GltfTextureRef,
  GltfWrap,
} from "./types.ts";

/** Materials and the images they use, built together so each image is decoded once. */
export class MaterialConverter {
  readonly images: GltfImage[] = [];
  readonly warnings: string[] = [];
  #byTexture = new Map<Texture, number>();
  #pending: { texture: Texture; index: number }[] = [];
  #textureIndex: Map<Texture, number>;

  constructor(private file: string, textures: Texture[]) {
    this.#textureIndex = new Map(textures.map((t, i) => [t, i]));
  }

  convert(material: Material, index: number): GltfMaterial {
    const name = material.getName() || `materials[${index}]`;
    const emissive = material.getExtension<Ext.EmissiveStrength>(
      "KHR_materials_emissive_strength",
    );
    const transmission = material.getExtension<Ext.Transmission>(
      "KHR_materials_transmission",
    );
    const ior = material.getExtension<Ext.IOR>("KHR_materials_ior");
    const [r, g, b, a] = material.getBaseColorFactor();
    const [er, eg, eb] = material.getEmissiveFactor();
    return {
      name,
      baseColorFactor: [r, g, b, a],
      baseColorTexture: this.#ref(
        material.getBaseColorTexture(),
        material.getBaseColorTextureInfo(),
        "srgb",
        `materials[${index}].pbrMetallicRoughness.baseColorTexture`,
      ),
      metallicFactor: material.getMetallicFactor(),
      roughnessFactor: material.getRoughnessFactor(),
      metallicRoughnessTexture: this.#ref(
        material.getMetallicRoughnessTexture(),
        material.getMetallicRoughnessTextureInfo(),
        "linear",
        `materials[${index}].pbrMetallicRoughness.metallicRoughnessTexture`,
      ),
      normalTexture: this.#ref(
        material.getNormalTexture(),
        material.getNormalTextureInfo(),
        "linear",
        `materials[${index}].normalTexture`,
      ),
      normalScale: material.getNormalScale(),
      occlusionTexture: this.#ref(
        material.getOcclusionTexture(),
        material.getOcclusionTextureInfo(),
        "linear",
        `materials[${index}].occlusionTexture`,
      ),
      occlusionStrength: material.getOcclusionStrength(),
      emissiveFactor: [er, eg, eb],
      emissiveTexture: this.#ref(
        material.getEmissiveTexture(),
        material.getEmissiveTextureInfo(),
        "srgb",
        `materials[${index}].emissiveTexture`,
      ),
      emissiveStrength: emissive?.getEmissiveStrength() ?? 1,
      transmission: transmission?.getTransmissionFactor() ?? 0,
      transmissionTexture: transmission === null ? undefined : this.#ref(
        transmission.getTransmissionTexture(),
        transmission.getTransmissionTextureInfo(),
        "linear",
        `materials[${index}].extensions.KHR_materials_transmission.transmissionTexture`,
      ),
      ior: ior?.getIOR() ?? 1.5,
      unlit: material.getExtension("KHR_materials_unlit") !== null,
      alphaMode: material.getAlphaMode(),
      alphaCutoff: material.getAlphaCutoff(),
      doubleSided: material.getDoubleSided(),
    };
  }

  #ref(
    texture: Texture | null,
    info: TextureInfo | null,
    colorSpace: "srgb" | "linear",
    where: string,
  ): GltfTextureRef | undefined {
    if (texture === null || info === null) return undefined;
    let image = this.#byTexture.get(texture);
    if (image === undefined) {
      image = this.#byTexture.size;
      this.#byTexture.set(texture, image);
      this.#pending.push({ texture, index: image });
    }
    const transform = info.getExtension<Ext.Transform>("KHR_texture_transform");
    const texCoord = transform?.getTexCoord() ?? info.getTexCoord();
    if (texCoord !== 0) {
      this.warnings.push(
        `glTF file ${
          JSON.stringify(this.file)
        }: ${where}: texture coordinates ${texCoord} are not supported (raypool maps every texture with TEXCOORD_0)`,
      );
    }
    const [ox, oy] = transform?.getOffset() ?? [0, 0];
    const [sx, sy] = transform?.getScale() ?? [1, 1];
    return {
      image,
      texCoord,
      colorSpace,
      wrapS: wrap(info.getWrapS()),
      wrapT: wrap(info.getWrapT()),
      magFilter: info.getMagFilter() === 9728 ? "Nearest" : "Linear",
      minFilter: minFilter(info.getMinFilter()),
      transform: transform === null ? undefined : {
        offset: [ox, oy],
        rotation: transform.getRotation(),
        scale: [sx, sy],
      },
    };
  }

  /** Decodes every image a converted material uses, in order of first use. */
  async decodeImages(signal: AbortSignal | undefined): Promise<void> {
    let totalPixels = 0;
    for (const { texture, index } of this.#pending) {
      const path = `images[${this.#textureIndex.get(texture) ?? index}]`;
      const bytes = texture.getImage();
      const name = texture.getName() || texture.getURI() || path;
      if (bytes === null) {
        throw gltfError(this.file, path, "the image has no data");
      }
      const size = imageSize(bytes);
      if (size === undefined) {
        throw gltfError(
          this.file,
          path,
          `${
            texture.getMimeType() || "the image"
          } is not a PNG or JPEG image (the only formats raypool decodes)`,
        );
      }
      const pixels = size.width * size.height;
      totalPixels += pixels;
      if (
        pixels > MAX_GLTF_IMAGE_PIXELS ||
        totalPixels > MAX_GLTF_TOTAL_IMAGE_PIXELS
      ) {
        throw gltfError(
          this.file,
          path,
          `${size.width} × ${size.height} pixels is beyond the limit of ${MAX_GLTF_IMAGE_PIXELS} pixels an image, ${MAX_GLTF_TOTAL_IMAGE_PIXELS} in all`,
          RangeError,
        );
      }
      let decoded;
      try {
        const { Image } = await abortable(loadImagescript(), signal);
        decoded = await abortable(Image.decode(bytes), signal);
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, "loading the scene");
        throw gltfError(
          this.file,
          path,
          `cannot decode the image: ${reason(error)}`,
          TypeError,
          error,
        );
      }
      const data = new Uint8Array(decoded.bitmap);
      if (data.length !== decoded.width * decoded.height * 4) {
        throw gltfError(
          this.file,
          path,
          "the decoder gave a wrong-sized bitmap",
        );
      }
      this.images[index] = {
        name,
        mimeType: size.mimeType,
        width: decoded.width,
        height: decoded.height,
        data,
      };
    }
  }
}

function wrap(mode: number): GltfWrap {
  return mode === 33071
    ? "ClampToEdge"
    : mode === 33648
    ? "MirroredRepeat"
    : "Repeat";
}

function minFilter(filter: number | null): GltfFilter {
  // NEAREST, NEAREST_MIPMAP_NEAREST, NEAREST_MIPMAP_LINEAR sample the nearest texel.
  return filter === 9728 || filter === 9984 || filter === 9986
    ? "Nearest"
    : "Linear";
}

/** The format and size of a PNG or JPEG from its header, or undefined for anything else. */
export function imageSize(
  bytes: Uint8Array,
): { mimeType: string; width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 24 && png.every((b, i) => bytes[i] === b)) {
    return {
      mimeType: "image/png",
      width: view.getUint32(16),
      height: view.getUint32(20),
    };
  }
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return undefined;
  }
  // JPEG: walk the markers to the first start-of-frame.
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = view.getUint16(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
      marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return undefined;
      return {
        mimeType: "image/jpeg",
        height: view.getUint16(at + 5),
        width: view.getUint16(at + 7),
      };
    }
    at += 2 + length;
  }
  return undefined;
}
