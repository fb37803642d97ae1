/**
 * raypool: a parallel ray tracer for Deno. Scenes in the original bheisler/raytracer JSON
 * format (plus a free camera and anti-aliasing) are rendered by a Rust core compiled to
 * WebAssembly, on a pool of workers that write tiles straight into one shared image.
 *
 * - Scenes: {@linkcode loadScene}, {@linkcode parseScene}, {@linkcode prepareScene},
 *   {@linkcode validateScene}, and builders ({@linkcode scene}, {@linkcode sphere},
 *   {@linkcode plane}, {@linkcode material}, {@linkcode point}, {@linkcode rgb}, …).
 * - Rendering: {@linkcode render} for one image, {@linkcode Renderer} to keep a pool of
 *   workers across many (animations, servers), {@linkcode renderPngStream} to render an image
 *   of any size straight to a PNG file, band by band, in bounded memory.
 * - glTF 2.0 models: {@linkcode loadGltf} (a `.glb` or `.gltf` as a scene; `loadScene` of one
 *   does the same), {@linkcode readGltf} (the model as plain arrays), and the `Gltf` element
 *   ({@linkcode gltf}) that places a model in a scene.
 * - Encoding: {@linkcode encodePng}, {@linkcode encodeJpeg}.
 *
 * Import it from any project (`import { render } from "../raypool/mod.ts"`): its npm
 * dependencies, imagescript (and, only when a glTF model is loaded, `@gltf-transform/core`
 * and `@gltf-transform/extensions`, plus `draco3dgltf` or `meshoptimizer` for compressed
 * ones), are imported with full `npm:` specifiers, so no import map is needed. Rendering needs `--allow-read` (the worker module and the wasm; textures); decoding
 * textures and encoding images also load imagescript's native addon, which needs
 * `--allow-ffi` (`--allow-ffi=./node_modules/.deno/imagescript@1.3.1` in a project with
 * `"nodeModulesDir": "auto"`; without it the error names the exact flag) and
 * `--allow-env=IMAGESCRIPT_WASM_SIMD`.
 *
 * @example Render a scene built in code and encode it as PNG
 * ```ts
 * import { encodePng, material, point, render, rgb, scene, sphere, sphericalLight } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const description = scene({
 *   width: 64,
 *   height: 48,
 *   elements: [
 *     sphere({ center: point(0, 0, -5), radius: 1, material: material({ color: rgb(0.2, 1, 0.2) }) }),
 *   ],
 *   lights: [sphericalLight({ position: point(0, 5, 0), color: rgb(1, 1, 1), intensity: 1000 })],
 * });
 * const image = await render(description, { workers: 2 });
 * assert.equal(image.data.length, 64 * 48 * 4);
 * const png = await encodePng(image);
 * assert.equal(png[1], 0x50); // "P"
 * ```
 *
 * @module
 */

export {
  checkImageSize,
  checkScene,
  diffuse,
  directionalLight,
  gltf,
  loadScene,
  type LoadSceneOptions,
  material,
  type MaterialOptions,
  mesh,
  parseScene,
  plane,
  point,
  prepareScene,
  type PrepareSceneOptions,
  reflective,
  refractive,
  rgb,
  scene,
  type SceneOptions,
  sphere,
  sphericalLight,
  validateScene,
  vector,
} from "./src/scene/mod.ts";
export {
  frameBounds,
  loadGltf,
  type LoadGltfOptions,
} from "./src/gltf/load_gltf.ts";
export { readGltf, type ReadGltfOptions } from "./src/gltf/read_gltf.ts";
export type * from "./src/gltf/types.ts";
export { render } from "./src/render/render.ts";
export { Renderer, type RendererOptions } from "./src/render/renderer.ts";
export {
  renderPngStream,
  type RenderPngStreamOptions,
  type RenderPngStreamResult,
} from "./src/render/render_png_stream.ts";
export {
  renderLinearStream,
  type RenderLinearStreamOptions,
} from "./src/render/render_linear_stream.ts";
export type { ByteSink } from "./src/png/png_stream_writer.ts";
export type {
  RenderedTile,
  RenderOptions,
  RenderProgress,
} from "./src/render/plan.ts";
export { encodePng } from "./src/encode/png.ts";
export {
  type FarmBackendOptions,
  type FarmRenderOptions,
  renderOnFarm,
} from "./src/farm/submit.ts";
export type { FarmConnectionOptions } from "./src/farm/connection.ts";
export {
  type FarmNode,
  type FarmNodeEvent,
  type FarmNodeOptions,
  startFarmNode,
} from "./src/farm/node.ts";
export { encodeJpeg } from "./src/encode/jpeg.ts";
export { decodeHdr, HdrFormatError, type HdrImage } from "./src/decode/hdr.ts";
export { encodeHdr, type HdrSink, HdrStreamWriter } from "./src/encode/hdr.ts";
export {
  type ExrPixelType,
  type ExrSink,
  ExrStreamWriter,
} from "./src/encode/exr.ts";
export type {
  Camera,
  Color,
  Coloration,
  DirectionalLight,
  Element,
  Environment,
  Gltf,
  Integrator,
  Light,
  Material,
  Mesh,
  MeshData,
  MeshTransform,
  PbrSurface,
  Plane,
  Point,
  Region,
  RenderedImage,
  Scene,
  SceneDescription,
  Sphere,
  SphericalLight,
  Surface,
  TextureImage,
  ToneMapping,
  Vector,
} from "./src/types.ts";
