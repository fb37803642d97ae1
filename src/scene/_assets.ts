// Private: the one asset loader. Every file a scene names (textures, mesh files) is listed by
// one walk over the scene (`sceneAssets`), found once per path as written, and read and
// decoded once per resolved file, however many elements use it.

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MeshData, SceneDescription, TextureImage } from "../types.ts";
import { reason, rewrap } from "../_errors.ts";
import { abortError, throwIfAborted, yielder } from "../_abort.ts";
import { abortable } from "./_abortable.ts";
import { type AssetKind, elementFiles, elementParts } from "./elements.ts";
import { decodeTexture } from "./_textures.ts";
import { checkPlacements, readMesh } from "./_meshes.ts";
import { readGltf } from "../gltf/read_gltf.ts";
import type { GltfModel } from "../gltf/types.ts";
import { readEnvironment } from "./_environment.ts";
import type { HdrImage } from "../decode/hdr.ts";

/** One use of a file in a scene. */
export interface AssetUse {
  /** How it is loaded. */
  kind: AssetKind;
  /** The path as written. */
  path: string;
  /** The JSON path of the string that names it. */
  jsonPath: string;
}

/** The scene's files, loaded: each keyed by its path as written. */
export interface SceneAssets {
  /** Decoded textures. */
  textures: Map<string, TextureImage>;
  /** Parsed mesh files. */
  meshes: Map<string, MeshData>;
  /** Loaded glTF models. */
  gltf: Map<string, GltfModel>;
  /** Decoded `.hdr` environments (the path tracer's). */
  environments: Map<string, HdrImage>;
}

/**
 * Every file the description names, in scene order: for each element its material's texture,
 * then the files of its kind (see `elements.ts`).
 */
export function sceneAssets(description: SceneDescription): AssetUse[] {
  const uses: AssetUse[] = [];
  description.elements.forEach((element, index) => {
    const parts = elementParts(element);
    const at = `elements[${index}].${parts.kind}`;
    const coloration = "material" in parts.body
      ? parts.body.material.coloration
      : undefined;
    if (coloration !== undefined && "Texture" in coloration) {
      uses.push({
        kind: "texture",
        path: coloration.Texture.path,
        jsonPath: `${at}.material.coloration.Texture.path`,
      });
    }
    for (const file of elementFiles(parts)) {
      uses.push({
        kind: file.kind,
        path: file.path,
        jsonPath: `${at}.${file.field}`,
      });
    }
  });
  const env = description.environment;
  if (env !== undefined && "Hdr" in env) {
    uses.push({
      kind: "environment",
      path: env.Hdr.path,
      jsonPath: "environment.Hdr.path",
    });
  }
  return uses;
}

/**
 * Loads every file the description names. Each path as written is found once (against
 * `baseDir`, then the current directory) and each file read and decoded once, one at a time in
 * the scene's order, so the error reported is the first one and two big files are never
 * decoded at once. Errors start with the JSON path of the first use.
 */
export async function loadAssets(
  description: SceneDescription,
  baseDir: string | URL | undefined,
  signal?: AbortSignal,
): Promise<SceneAssets> {
  throwIfAborted(signal, "loading the scene");
  const base = baseDir === undefined ? undefined : directoryPath(baseDir);
  // Each (kind, path as written) once, under the JSON path of its first use.
  const first = new Map<string, AssetUse>();
  for (const use of sceneAssets(description)) {
    const key = `${use.kind}\0${use.path}`;
    if (!first.has(key)) first.set(key, use);
  }
  const loaded = new Map<
    string,
    TextureImage | MeshData | GltfModel | HdrImage
  >();
  const assets: SceneAssets = {
    textures: new Map(),
    meshes: new Map(),
    gltf: new Map(),
    environments: new Map(),
  };
  for (const use of first.values()) {
    const file = await abortable(
      locate(use.path, use.jsonPath, base, use.kind),
      signal,
    );
    const key = `${use.kind}\0${file}`;
    let value = loaded.get(key);
    switch (use.kind) {
      case "texture": {
        const image = value as TextureImage | undefined ??
          await decodeTexture(use.path, use.jsonPath, file, signal);
        assets.textures.set(use.path, image);
        value = image;
        break;
      }
      case "mesh": {
        const mesh = value as MeshData | undefined ??
          await readMesh(use.path, use.jsonPath, file, signal);
        assets.meshes.set(use.path, mesh);
        value = mesh;
        break;
      }
      case "gltf": {
        const model = value as GltfModel | undefined ??
          await readGltf(file, { signal }).catch((error) => {
            if (signal?.aborted) throw abortError(signal, "loading the scene");
            throw rewrap(error, `${use.jsonPath}: ${reason(error)}`);
          });
        assets.gltf.set(use.path, model);
        value = model;
        break;
      }
      case "environment": {
        const image = value as HdrImage | undefined ??
          await readEnvironment(use.path, use.jsonPath, file, signal);
        assets.environments.set(use.path, image);
        value = image;
        break;
      }
      default: {
        const unknownKind: never = use.kind;
        throw new TypeError(`unknown asset kind ${unknownKind}`);
      }
    }
    loaded.set(key, value);
  }
  // A turn of the event loop before checking every placement (10,000 of them take tens of
  // milliseconds), so that an abort or Ctrl-C acts.
  await yielder(signal, "loading the scene")(true);
  checkPlacements(description, assets.meshes);
  return assets;
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
 * The file an asset path names: against the scene's folder first, then the current one.
 */
export async function locate(
  written: string,
  jsonPath: string,
  base: string | undefined,
  what: AssetKind,
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
