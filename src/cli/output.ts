/**
 * The output path: its default, the image format its extension selects, and the checks that
 * make a doomed run fail before it renders anything.
 *
 * @module
 */

import { basename, dirname, extname, join } from "node:path";
import { errorMessage, InputError } from "../_errors.ts";

/**
 * The encodings the CLI writes: 8-bit PNG and JPEG (tone-mapped), and OpenEXR (32-bit float)
 * and Radiance `.hdr`, which hold the linear radiance before tone mapping.
 */
export type ImageFormat = "png" | "jpeg" | "exr" | "hdr";

/**
 * The default output path: the scene file's name with `.png` in place of its extension, in
 * the current folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultOutputPath } from "./output.ts";
 * assert.equal(defaultOutputPath("examples/showcase.json"), "showcase.png");
 * assert.equal(defaultOutputPath("scene"), "scene.png");
 * ```
 */
export function defaultOutputPath(scenePath: string): string {
  const name = basename(scenePath);
  const extension = extname(name);
  return `${extension === "" ? name : name.slice(0, -extension.length)}.png`;
}

/**
 * The format an output path's extension selects (case-insensitive).
 *
 * @throws {InputError} for any extension but `.png`, `.jpg`, `.jpeg`, `.exr` and `.hdr`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageFormatOf } from "./output.ts";
 * assert.equal(imageFormatOf("out/a.PNG"), "png");
 * assert.equal(imageFormatOf("photo.jpeg"), "jpeg");
 * assert.equal(imageFormatOf("linear.EXR"), "exr");
 * ```
 */
export function imageFormatOf(path: string): ImageFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".png") return "png";
  if (extension === ".jpg" || extension === ".jpeg") return "jpeg";
  if (extension === ".exr") return "exr";
  if (extension === ".hdr") return "hdr";
  if (extension === "") {
    throw new InputError(
      `${path}: the output needs an extension, .png, .jpg, .jpeg, .exr or .hdr, to say its type ` +
        `(e.g. ${path}.png)`,
    );
  }
  throw new InputError(
    `${path}: unsupported output type ${extension}; use .png, .jpg, .jpeg, .exr or .hdr`,
  );
}

/**
 * Checks that an image can be written at `output`: its folder exists, it is not a folder
 * itself, and it is not the scene file.
 *
 * @throws {InputError} naming the problem.
 *
 * @example
 * ```ts
 * import { checkOutputPath } from "./output.ts";
 * await checkOutputPath("image.png", "scene.json"); // the current folder exists
 * ```
 */
export async function checkOutputPath(
  output: string,
  scenePath: string,
): Promise<void> {
  const folder = dirname(output);
  const folderInfo = await statOrNull(folder);
  if (folderInfo === null) {
    throw new InputError(`${output}: folder ${folder} does not exist`);
  }
  if (!folderInfo.isDirectory) {
    throw new InputError(`${output}: ${folder} is not a folder`);
  }

  const outputInfo = await statOrNull(output);
  if (outputInfo === null) return;
  if (outputInfo.isDirectory) {
    throw new InputError(
      `${output} is a folder; the output is the image file, e.g. ${
        join(output, defaultOutputPath(scenePath))
      }`,
    );
  }
  if (await sameFile(outputInfo, output, scenePath)) {
    throw new InputError(`${output} is the scene file; choose another output`);
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw new InputError(`${path}: ${errorMessage(error)}`, { cause: error });
  }
}

/** Compares the files themselves, so links and other spellings of the scene's path count. */
async function sameFile(
  output: Deno.FileInfo,
  outputPath: string,
  scenePath: string,
) {
  let scene: Deno.FileInfo;
  try {
    scene = await Deno.stat(scenePath);
  } catch {
    // A missing or unreadable scene is reported when it is loaded.
    return false;
  }
  if (output.ino !== null && scene.ino !== null) {
    return output.dev === scene.dev && output.ino === scene.ino;
  }
  // Windows has no inode numbers.
  return await Deno.realPath(outputPath) === await Deno.realPath(scenePath);
}
