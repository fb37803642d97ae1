/**
 * {@linkcode readGltf}: a glTF 2.0 file (`.glb`, or `.gltf` with its `.bin` and images beside
 * it) to raypool's neutral {@linkcode GltfModel}.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix
import type * as Core from "npm:@gltf-transform/core@4.5.1";
// deno-lint-ignore no-import-prefix
import type * as Ext from "npm:@gltf-transform/extensions@4.5.1";
import { abortError } from "../_abort.ts";
import { reason } from "../_errors.ts";
import { abortable } from "../scene/_abortable.ts";
import { readContainer } from "./_container.ts";
import { gltfError } from "./_error.ts";
import { convertPrimitive } from "./_geometry.ts";
import { MaterialConverter } from "./_materials.ts";
import { MAX_GLTF_TRIANGLES } from "./limits.ts";
type Light = Ext.Light;

import type {
  GltfCamera,
  GltfInstance,
  GltfLight,
  GltfModel,
  GltfPrimitive,
} from "./types.ts";

/** Options for {@linkcode readGltf}. */
export interface ReadGltfOptions {
  /** Aborting rejects with an `AbortError` at once and stops between steps. */
  signal?: AbortSignal;
}

/**
 * Reads a glTF 2.0 file and everything it refers to, through raypool's bounded reader.
 *
 * The shown scene (`scene`, else the first) is flattened: every mesh primitive it uses once,
 * in object space, placed by {@linkcode GltfModel.instances} with world matrices from the
 * node hierarchy; materials, the images they use (decoded to RGBA8), cameras and
 * `KHR_lights_punctual` lights with their world transforms. Compressed geometry
 * (`KHR_draco_mesh_compression`, `EXT_meshopt_compression`) loads its decoder only when a file
 * uses it. Extensions raypool does not support are listed in `warnings` (one line each);
 * one the file requires is an error.
 *
 * @throws {TypeError | SyntaxError} A malformed file: one line naming the file and the glTF
 * path, e.g. `glTF file "a.glb": meshes[3].primitives[0].indices: accessor 12 is out of range
 * (the file has 5 accessors)`.
 * @throws {RangeError} A file, a total or an image beyond the limits (`limits.ts`).
 * @throws {Deno.errors.NotFound} and the like: a file that cannot be read.
 * @throws {DOMException} An `AbortError` when the signal aborts.
 *
 * @example Usage
 * ```ts
 * import { readGltf } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const model = await readGltf("examples/models/textured_box.glb");
 * assert.equal(model.primitives[0].indices.length, 36); // 12 triangles
 * assert.equal(model.instances.length, 1);
 * assert.equal(model.materials[0].baseColorTexture?.colorSpace, "srgb");
 * assert.deepEqual([model.images[0].width, model.images[0].height], [4, 4]);
 * assert.deepEqual(model.warnings, []);
 * ```
 */
export async function readGltf(
  path: string,
  options: ReadGltfOptions = {},
): Promise<GltfModel> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal, "loading the scene");
  const container = await readContainer(path, signal);
  const { facts } = container;
  const io = await abortable(createIO(path, facts.used), signal);
  let document: Core.Document;
  try {
    document = await abortable(
      io.readJSON({
        json: container.json,
        resources: container.resources as Record<
          string,
          Uint8Array<ArrayBuffer>
        >,
      }),
      signal,
    );
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    throw gltfError(
      path,
      "",
      `cannot read it: ${reason(error)}`,
      TypeError,
      error,
    );
  }
  const root = document.getRoot();
  const warnings = [...facts.warnings];
  const nodes = root.listNodes();
  const nodeIndex = new Map(nodes.map((node, i) => [node, i]));
  const meshIndex = new Map(root.listMeshes().map((mesh, i) => [mesh, i]));
  const materialList = root.listMaterials();
  const materialIndex = new Map(materialList.map((m, i) => [m, i]));
  const converter = new MaterialConverter(path, root.listTextures());
  const materials = materialList.map((m, i) => converter.convert(m, i));

  const primitives: GltfPrimitive[] = [];
  const meshPrimitives = new Map<Core.Mesh, number[]>();
  let decodedElements = 0;
  const primitivesOf = (mesh: Core.Mesh): number[] => {
    let list = meshPrimitives.get(mesh);
    if (list !== undefined) return list;
    list = [];
    const m = meshIndex.get(mesh)!;
    mesh.listPrimitives().forEach((primitive, p) => {
      if (signal?.aborted) throw abortError(signal, "loading the scene");
      // The JSON's counts were checked before reading; compressed geometry is checked again
      // as decoded, before it is converted.
      const elements = primitive.getIndices()?.getCount() ??
        primitive.getAttribute("POSITION")?.getCount() ?? 0;
      decodedElements += elements;
      if (decodedElements > 3 * MAX_GLTF_TRIANGLES + 2 * (p + 1)) {
        throw gltfError(
          path,
          `meshes[${m}].primitives[${p}]`,
          `the decoded geometry has more than the limit of ${MAX_GLTF_TRIANGLES} triangles`,
          RangeError,
        );
      }
      const material = primitive.getMaterial();
      const index = material === null ? -1 : materialIndex.get(material)!;
      const normalMap = index < 0 ? undefined : materials[index].normalTexture;
      const converted = convertPrimitive(
        path,
        `meshes[${m}].primitives[${p}]`,
        primitive,
        index,
        { normalMapTexCoord: normalMap?.texCoord ?? -1 },
      );
      if (typeof converted === "string") {
        warnings.push(converted);
        return;
      }
      if (primitive.listTargets().length > 0) {
        warnings.push(
          `glTF file ${
            JSON.stringify(path)
          }: meshes[${m}].primitives[${p}]: morph targets are not applied`,
        );
      }
      list!.push(primitives.length);
      primitives.push(converted);
    });
    meshPrimitives.set(mesh, list);
    return list;
  };

  const instances: GltfInstance[] = [];
  const cameras: GltfCamera[] = [];
  const lights: GltfLight[] = [];
  const lightNames = new Map<Light, string>();
  const scene = facts.scene < 0 ? undefined : root.listScenes()[facts.scene];
  const visit = (node: Core.Node, parent: Float64Array) => {
    const matrix = multiply(parent, node.getMatrix());
    const n = nodeIndex.get(node)!;
    const mesh = node.getMesh();
    if (mesh !== null) {
      if (node.getSkin() !== null) {
        warnings.push(
          `glTF file ${
            JSON.stringify(path)
          }: nodes[${n}]: skinning is not applied (the mesh is shown in its bind pose)`,
        );
      }
      for (const primitive of primitivesOf(mesh)) {
        instances.push({ primitive, node: n, matrix });
      }
    }
    const camera = node.getCamera();
    if (camera !== null) cameras.push(cameraOf(camera, n, matrix));
    const light = node.getExtension<Light>("KHR_lights_punctual");
    if (light !== null) {
      let name = lightNames.get(light);
      if (name === undefined) {
        name = light.getName() || `lights[${lightNames.size}]`;
        lightNames.set(light, name);
      }
      lights.push(lightOf(light, name, n, matrix));
    }
    for (const child of node.listChildren()) visit(child, matrix);
  };
  const identity = new Float64Array([
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    1,
  ]);
  for (const node of scene?.listChildren() ?? []) {
    if (signal?.aborted) throw abortError(signal, "loading the scene");
    visit(node, identity);
  }
  // Cameras in node order, so "the first camera" does not depend on the traversal.
  cameras.sort((a, b) => a.node - b.node);
  await converter.decodeImages(signal);
  warnings.push(...converter.warnings);
  return {
    path,
    primitives,
    instances,
    materials,
    images: converter.images,
    cameras,
    lights,
    bounds: bounds(primitives, instances),
    warnings,
    files: container.files,
  };
}

let draco: Promise<unknown> | undefined;

// The packages glTF loading needs, named in variables so that Deno fetches them when a model
// is first loaded rather than with every program that imports raypool (a string literal in
// `import()` is fetched ahead, with the module graph).
const GLTF_CORE = "npm:@gltf-transform/core@4.5.1";
const GLTF_EXTENSIONS = "npm:@gltf-transform/extensions@4.5.1";
const DRACO = "npm:draco3dgltf@1.5.7";
const MESHOPT = "npm:meshoptimizer@0.25.0";

function lazyImport<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}

/** A gltf-transform reader with raypool's extensions, and decoders for those the file uses. */
async function createIO(
  path: string,
  used: Set<string>,
): Promise<Core.PlatformIO> {
  const core = await lazyImport<typeof Core>(GLTF_CORE);
  const ext = await lazyImport<typeof Ext>(GLTF_EXTENSIONS);
  /** Resources come in through `readJSON`: this reader never opens a file itself. */
  class PreloadedIO extends core.PlatformIO {
    protected readURI(uri: string): never {
      throw new Error(`resource ${JSON.stringify(uri)} was not preloaded`);
    }
    protected resolve(base: string, path: string): string {
      return `${base}/${path}`;
    }
    protected dirname(uri: string): string {
      return uri.slice(0, uri.lastIndexOf("/") + 1);
    }
  }
  const io = new PreloadedIO()
    .setLogger(new core.Logger(core.Logger.Verbosity.SILENT))
    .registerExtensions([
      ext.KHRDracoMeshCompression,
      ext.EXTMeshoptCompression,
      ext.KHRMeshQuantization,
      ext.KHRTextureTransform,
      ext.KHRMaterialsEmissiveStrength,
      ext.KHRMaterialsTransmission,
      ext.KHRMaterialsIOR,
      ext.KHRMaterialsUnlit,
      ext.KHRLightsPunctual,
    ]);
  try {
    if (used.has("KHR_draco_mesh_compression")) {
      draco ??= lazyImport<
        { default: { createDecoderModule(): Promise<unknown> } }
      >(DRACO).then((m) => m.default.createDecoderModule()).catch((error) => {
        draco = undefined;
        throw error;
      });
      io.registerDependencies({ "draco3d.decoder": await draco });
    }
    if (used.has("EXT_meshopt_compression")) {
      const { MeshoptDecoder } = await lazyImport<
        { MeshoptDecoder: { ready: Promise<void> } }
      >(MESHOPT);
      await MeshoptDecoder.ready;
      io.registerDependencies({ "meshopt.decoder": MeshoptDecoder });
    }
  } catch (error) {
    throw gltfError(
      path,
      "",
      `the geometry decoder did not load: ${reason(error)}`,
      Error,
      error,
    );
  }
  return io;
}

/** a · b for column-major 4 × 4 matrices. */
function multiply(a: Float64Array, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(16);
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[k * 4 + row] * b[col * 4 + k];
      out[col * 4 + row] = sum;
    }
  }
  return out;
}

function cameraOf(
  camera: Core.Camera,
  node: number,
  matrix: Float64Array,
): GltfCamera {
  const name = camera.getName() || `cameras of nodes[${node}]`;
  const zfar = camera.getZFar();
  if (camera.getType() === "orthographic") {
    return {
      type: "orthographic",
      name,
      node,
      matrix,
      xmag: camera.getXMag(),
      ymag: camera.getYMag(),
      znear: camera.getZNear(),
      zfar,
    };
  }
  const aspectRatio = camera.getAspectRatio();
  return {
    type: "perspective",
    name,
    node,
    matrix,
    yfov: camera.getYFov(),
    aspectRatio: aspectRatio ?? undefined,
    znear: camera.getZNear(),
    zfar: zfar > 0 && Number.isFinite(zfar) ? zfar : undefined,
  };
}

function lightOf(
  light: Light,
  name: string,
  node: number,
  m: Float64Array,
): GltfLight {
  const [r, g, b] = light.getColor();
  // The node's −Z, through the matrix's rotation and scale, normalised.
  const dx = -m[8], dy = -m[9], dz = -m[10];
  const length = Math.hypot(dx, dy, dz) || 1;
  return {
    name,
    type: light.getType() as GltfLight["type"],
    node,
    color: [r, g, b],
    intensity: light.getIntensity(),
    range: light.getRange() ?? undefined,
    position: [m[12], m[13], m[14]],
    direction: [dx / length, dy / length, dz / length],
    innerConeAngle: light.getInnerConeAngle(),
    outerConeAngle: light.getOuterConeAngle(),
  };
}

/** World bounds of every placed vertex (or, for huge scenes, of the placed object boxes). */
function bounds(
  primitives: GltfPrimitive[],
  instances: GltfInstance[],
): GltfModel["bounds"] {
  const boxes = primitives.map(({ positions: p }) => {
    const box = [Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity];
    for (let i = 0; i < p.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        if (p[i + c] < box[c]) box[c] = p[i + c];
        if (p[i + c] > box[c + 3]) box[c + 3] = p[i + c];
      }
    }
    return box;
  });
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  const add = (m: Float64Array, x: number, y: number, z: number) => {
    const wx = m[0] * x + m[4] * y + m[8] * z + m[12];
    const wy = m[1] * x + m[5] * y + m[9] * z + m[13];
    const wz = m[2] * x + m[6] * y + m[10] * z + m[14];
    if (wx < min[0]) min[0] = wx;
    if (wx > max[0]) max[0] = wx;
    if (wy < min[1]) min[1] = wy;
    if (wy > max[1]) max[1] = wy;
    if (wz < min[2]) min[2] = wz;
    if (wz > max[2]) max[2] = wz;
  };
  // Every vertex of every placement when that is cheap (exact bounds frame a turned model
  // tightly), else the corners of each placed object box (conservative).
  let work = 0;
  for (const { primitive } of instances) {
    work += primitives[primitive].positions.length;
  }
  const exact = work <= 3 * (1 << 22);
  for (const { primitive, matrix: m } of instances) {
    const box = boxes[primitive];
    if (!(box[0] <= box[3])) continue;
    if (exact) {
      const p = primitives[primitive].positions;
      for (let i = 0; i < p.length; i += 3) add(m, p[i], p[i + 1], p[i + 2]);
      continue;
    }
    for (let corner = 0; corner < 8; corner++) {
      add(
        m,
        box[corner & 1 ? 3 : 0],
        box[corner & 2 ? 4 : 1],
        box[corner & 4 ? 5 : 2],
      );
    }
  }
  if (!(min[0] <= max[0])) return { min: [0, 0, 0], max: [0, 0, 0] };
  return { min: [min[0], min[1], min[2]], max: [max[0], max[1], max[2]] };
}
