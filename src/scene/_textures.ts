// Private: finds, reads and decodes the textures a validated scene refers to.

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SceneDescription, TextureImage } from "../types.ts";
import { abortError, throwIfAborted } from "../_abort.ts";
import { abortable } from "./_abortable.ts";
import { MAX_TEXTURE_FILE_BYTES } from "./limits.ts";
import { reason, rewrap } from "../_errors.ts";
import { readBoundedFile } from "./_read_file.ts";

import {
  type ImageScriptV1 as ImageScript,
  loadImagescript,
} from "../_imagescript.ts";

// The decoder loads a native addon when imported, which needs --allow-ffi; scenes without
// textures must not pay for it or need the permission.
let imagescript: Promise<ImageScript> | undefined;

/**
 * The decoded textures of `description`, keyed by each path as written. A path is decoded
 * once however many materials use it, and two spellings of one file share the image.
 */
export async function decodeTextures(
  description: SceneDescription,
  baseDir: string | URL | undefined,
  signal?: AbortSignal,
): Promise<Map<string, TextureImage>> {
  throwIfAborted(signal, "loading the scene");
  const base = baseDir === undefined ? undefined : directoryPath(baseDir);
  // Each path once, under the JSON path of its first use.
  const uses = new Map<string, string>();
  for (const [jsonPath, path] of texturePaths(description)) {
    if (!uses.has(path)) uses.set(path, jsonPath);
  }
  const byFile = new Map<string, TextureImage>();
  const textures = new Map<string, TextureImage>();
  // One at a time, in the scene's order, so the error reported is always the first one.
  for (const [written, jsonPath] of uses) {
    const file = await abortable(
      locate(written, jsonPath, base, "texture"),
      signal,
    );
    let image = byFile.get(file);
    if (image === undefined) {
      image = await decodeFile(written, jsonPath, file, signal);
      byFile.set(file, image);
    }
    textures.set(written, image);
  }
  return textures;
}

/** The JSON path and value of every texture path in the description, in scene order. */
export function texturePaths(
  description: SceneDescription,
): [string, string][] {
  const paths: [string, string][] = [];
  description.elements.forEach((element, index) => {
    const [kind, body] = "Sphere" in element
      ? ["Sphere", element.Sphere]
      : "Plane" in element
      ? ["Plane", element.Plane]
      : ["Mesh", element.Mesh];
    const coloration = body.material.coloration;
    if ("Texture" in coloration) {
      paths.push([
        `elements[${index}].${kind}.material.coloration.Texture.path`,
        coloration.Texture.path,
      ]);
    }
  });
  return paths;
}

/** The folder of `baseDir` as a path (a `file:` URL is converted). */
export function directoryPath(baseDir: string | URL): string {
  if (typeof baseDir === "string") return baseDir;
  if (baseDir.protocol !== "file:") {
    throw new TypeError(
      `baseDir must be a file: URL or a path, got ${
        JSON.stringify(baseDir.href)
      }`,
    );
  }
  return fileURLToPath(baseDir);
}

/**
 * The file a texture or mesh path names: against the scene's folder first, then the current
 * one.
 */
export async function locate(
  written: string,
  jsonPath: string,
  base: string | undefined,
  what: "texture" | "mesh",
): Promise<string> {
  const candidates = isAbsolute(written) ? [written] : [
    ...new Set([
      ...(base === undefined ? [] : [resolve(base, written)]),
      resolve(Deno.cwd(), written),
    ]),
  ];
  for (const candidate of candidates) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(candidate);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw rewrap(
        error,
        `${jsonPath}: cannot read ${what} ${JSON.stringify(written)} (${
          JSON.stringify(candidate)
        }): ${reason(error)}`,
      );
    }
    if (info.isDirectory) {
      throw new Deno.errors.IsADirectory(
        `${jsonPath}: ${what} ${JSON.stringify(written)} is a directory (${
          JSON.stringify(candidate)
        })`,
      );
    }
    return candidate;
  }
  throw new Deno.errors.NotFound(
    `${jsonPath}: ${what} ${JSON.stringify(written)} not found (tried ${
      candidates.map((c) => JSON.stringify(c)).join(", ")
    })`,
  );
}

async function decodeFile(
  written: string,
  jsonPath: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<TextureImage> {
  const which = `texture ${JSON.stringify(written)} (${JSON.stringify(file)})`;
  let bytes: Uint8Array;
  try {
    bytes = await readBoundedFile(file, {
      limit: MAX_TEXTURE_FILE_BYTES,
      what: which,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw rewrap(error, `${jsonPath}: ${reason(error)}`);
  }
  // imagescript also takes TIFF and GIF; the format promises PNG and JPEG, so check first
  // and say plainly what is wrong rather than pass on a decoder's complaint.
  if (!isPng(bytes) && !isJpeg(bytes)) {
    throw new TypeError(`${jsonPath}: ${which} is not a PNG or JPEG image`);
  }
  let Image: ImageScript["Image"];
  try {
    imagescript ??= loadImagescript();
    ({ Image } = await abortable(imagescript, signal));
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    imagescript = undefined;
    throw new Error(
      `${jsonPath}: cannot decode ${which}: the image decoder (imagescript) did not load: ${
        reason(error)
      }`,
      { cause: error },
    );
  }
  let image;
  try {
    // The decoder cannot be interrupted; an abort settles at once and its result is dropped.
    image = await abortable(Image.decode(bytes), signal);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw new TypeError(
      `${jsonPath}: cannot decode ${which}: ${reason(error)}`,
      { cause: error },
    );
  }
  // A copy: the decoder's bitmap may be a view of memory it reuses.
  const data = new Uint8Array(image.bitmap);
  if (data.length !== image.width * image.height * 4) {
    throw new TypeError(
      `${jsonPath}: cannot decode ${which}: the decoder gave ${data.length} bytes for ${image.width} × ${image.height} pixels`,
    );
  }
  return { width: image.width, height: image.height, data };
}

function isPng(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return signature.every((byte, i) => bytes[i] === byte);
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}
