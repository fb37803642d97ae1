// Private: finds, reads and decodes the textures a validated scene refers to.

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { SceneDescription, TextureImage } from "../types.ts";

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
): Promise<Map<string, TextureImage>> {
  const base = baseDir === undefined ? undefined : directoryPath(baseDir);
  const uses = new Map<string, string>();
  description.elements.forEach((element, index) => {
    const [kind, body] = "Sphere" in element
      ? ["Sphere", element.Sphere]
      : ["Plane", element.Plane];
    const coloration = body.material.coloration;
    if ("Texture" in coloration && !uses.has(coloration.Texture.path)) {
      uses.set(
        coloration.Texture.path,
        `elements[${index}].${kind}.material.coloration.Texture.path`,
      );
    }
  });
  const byFile = new Map<string, TextureImage>();
  const textures = new Map<string, TextureImage>();
  // One at a time, in the scene's order, so the error reported is always the first one.
  for (const [written, jsonPath] of uses) {
    const file = await locate(written, jsonPath, base);
    let image = byFile.get(file);
    if (image === undefined) {
      image = await decodeFile(written, jsonPath, file);
      byFile.set(file, image);
    }
    textures.set(written, image);
  }
  return textures;
}

function directoryPath(baseDir: string | URL): string {
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

/** The file a texture path names: against the scene's folder first, then the current one. */
async function locate(
  written: string,
  jsonPath: string,
  base: string | undefined,
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
        `${jsonPath}: cannot read texture ${JSON.stringify(written)} (${
          JSON.stringify(candidate)
        }): ${reason(error)}`,
      );
    }
    if (info.isDirectory) {
      throw new Deno.errors.IsADirectory(
        `${jsonPath}: texture ${JSON.stringify(written)} is a directory (${
          JSON.stringify(candidate)
        })`,
      );
    }
    return candidate;
  }
  throw new Deno.errors.NotFound(
    `${jsonPath}: texture ${JSON.stringify(written)} not found (tried ${
      candidates.map((c) => JSON.stringify(c)).join(", ")
    })`,
  );
}

async function decodeFile(
  written: string,
  jsonPath: string,
  file: string,
): Promise<TextureImage> {
  const which = `texture ${JSON.stringify(written)} (${JSON.stringify(file)})`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch (error) {
    throw rewrap(error, `${jsonPath}: cannot read ${which}: ${reason(error)}`);
  }
  // imagescript also takes TIFF and GIF; the format promises PNG and JPEG, so check first
  // and say plainly what is wrong rather than pass on a decoder's complaint.
  if (!isPng(bytes) && !isJpeg(bytes)) {
    throw new TypeError(`${jsonPath}: ${which} is not a PNG or JPEG image`);
  }
  let Image: ImageScript["Image"];
  try {
    imagescript ??= loadImagescript();
    ({ Image } = await imagescript);
  } catch (error) {
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
    image = await Image.decode(bytes);
  } catch (error) {
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

/**
 * An error's message without Deno's trailer (`No such file or directory (os error 2): stat
 * '/a/b'`), since the message it goes into already names the file.
 */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Some errors carry a stack trace in the message; the first line is the reason.
  return message.split("\n")[0].replace(/ \(os error \d+\)(?::.*)?$/, "");
}

/** An error of the same class (NotFound, PermissionDenied, NotCapable, …) with a new message. */
export function rewrap(error: unknown, message: string): Error {
  const Class = error instanceof Error
    ? error.constructor as new (
      message: string,
      options?: ErrorOptions,
    ) => Error
    : Error;
  return new Class(message, { cause: error });
}
