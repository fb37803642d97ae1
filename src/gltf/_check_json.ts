// Private: checks a glTF file's JSON before any library reads it, so that every reference
// is in range, every accessor fits its buffer view, the node hierarchy is a forest and the
// totals are within the limits — each problem one line with its glTF path, nothing allocated
// yet beyond the JSON itself.

import { gltfError } from "./_error.ts";
import { SUPPORTED_EXTENSIONS } from "./_extensions.ts";
import {
  MAX_GLTF_ACCESSOR_BYTES,
  MAX_GLTF_INSTANCES,
  MAX_GLTF_TRIANGLES,
  MAX_GLTF_VERTICES,
} from "./limits.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const COMPONENT_BYTES: Record<number, number> = {
  5120: 1,
  5121: 1,
  5122: 2,
  5123: 2,
  5125: 4,
  5126: 4,
};
const TYPE_COMPONENTS: Record<string, number> = {
  SCALAR: 1,
  VEC2: 2,
  VEC3: 3,
  VEC4: 4,
  MAT2: 4,
  MAT3: 9,
  MAT4: 16,
};

/** What the structural check found out, for the loader. */
export interface JsonFacts {
  /** The scene shown: `scene`, else 0, else none (-1). */
  scene: number;
  /** One line per unsupported extension used (not required). */
  warnings: string[];
  /** Extensions the file uses (to load decoders only when needed). */
  used: Set<string>;
}

/**
 * Checks the structure of `json` (a parsed glTF); `bufferBytes(i)` gives the bytes available
 * for buffer i once resources are read (undefined before, to skip that comparison).
 *
 * @throws {TypeError} One line naming the file and the glTF path of the first problem.
 * @throws {RangeError} A total beyond the limits.
 */
export function checkGltfJson(
  file: string,
  json: Json,
  bufferBytes?: (index: number) => number | undefined,
): JsonFacts {
  const fail = (path: string, message: string): never => {
    throw gltfError(file, path, message);
  };
  if (!isObject(json)) fail("", "the JSON is not an object");
  if (!isObject(json.asset)) fail("asset", "missing (every glTF has one)");
  const version = json.asset.version;
  if (typeof version !== "string" || !/^2\.\d+$/.test(version)) {
    fail(
      "asset.version",
      `${JSON.stringify(version)} is not a glTF 2.x version`,
    );
  }

  const used = new Set<string>();
  const warnings: string[] = [];
  for (const key of ["extensionsUsed", "extensionsRequired"] as const) {
    const list = arrayOf(json, key, fail, "");
    list.forEach((name: unknown, i: number) => {
      if (typeof name !== "string") fail(`${key}[${i}]`, "not a string");
    });
  }
  for (const name of (json.extensionsRequired ?? []) as string[]) {
    if (!SUPPORTED_EXTENSIONS.has(name)) {
      fail(
        "extensionsRequired",
        `the file requires extension ${name}, which raypool does not support`,
      );
    }
  }
  for (const name of (json.extensionsUsed ?? []) as string[]) {
    used.add(name);
    if (
      !SUPPORTED_EXTENSIONS.has(name) &&
      !warnings.some((w) => w.includes(` ${name} `))
    ) {
      warnings.push(
        `glTF file ${
          JSON.stringify(file)
        }: extension ${name} is not supported by raypool; it is ignored`,
      );
    }
  }

  const buffers = arrayOf(json, "buffers", fail, "");
  const views = arrayOf(json, "bufferViews", fail, "");
  const accessors = arrayOf(json, "accessors", fail, "");
  const meshes = arrayOf(json, "meshes", fail, "");
  const nodes = arrayOf(json, "nodes", fail, "");
  const scenes = arrayOf(json, "scenes", fail, "");
  const materials = arrayOf(json, "materials", fail, "");
  const textures = arrayOf(json, "textures", fail, "");
  const images = arrayOf(json, "images", fail, "");
  const samplers = arrayOf(json, "samplers", fail, "");
  const cameras = arrayOf(json, "cameras", fail, "");

  const ref = (value: unknown, path: string, what: string, count: number) => {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      fail(path, `${JSON.stringify(value)} is not an index`);
    }
    if ((value as number) >= count) {
      fail(
        path,
        `${what} ${value} is out of range (the file has ${count} ${
          what === "mesh" ? "meshes" : `${what}s`
        })`,
      );
    }
    return value as number;
  };
  const int = (value: unknown, path: string, min: number, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || (value as number) < min) {
      fail(path, `${JSON.stringify(value)} is not an integer ≥ ${min}`);
    }
    return value as number;
  };
  const numbers = (value: unknown, path: string, length: number) => {
    if (value === undefined) return;
    if (
      !Array.isArray(value) || value.length !== length ||
      !value.every((x) => typeof x === "number" && Number.isFinite(x))
    ) {
      fail(path, `must be ${length} finite numbers`);
    }
  };

  // Buffers and their views.
  const bufferLength: number[] = [];
  buffers.forEach((buffer: Json, i: number) => {
    const path = `buffers[${i}]`;
    if (!isObject(buffer)) fail(path, "not an object");
    const length = int(buffer.byteLength, `${path}.byteLength`, 1, -1);
    if (length < 0) fail(`${path}.byteLength`, "missing");
    if (buffer.uri !== undefined && typeof buffer.uri !== "string") {
      fail(`${path}.uri`, "not a string");
    }
    const available = bufferBytes?.(i);
    if (available !== undefined && available < length) {
      fail(
        `${path}.byteLength`,
        `${length} bytes, but the buffer's data has only ${available}`,
      );
    }
    bufferLength.push(length);
  });
  const viewLength: number[] = [];
  views.forEach((view: Json, i: number) => {
    const path = `bufferViews[${i}]`;
    if (!isObject(view)) fail(path, "not an object");
    const buffer = ref(view.buffer, `${path}.buffer`, "buffer", buffers.length);
    const offset = int(view.byteOffset, `${path}.byteOffset`, 0, 0);
    const length = int(view.byteLength, `${path}.byteLength`, 1, -1);
    if (length < 0) fail(`${path}.byteLength`, "missing");
    if (offset + length > bufferLength[buffer]) {
      fail(
        path,
        `bytes ${offset}..${offset + length} are beyond buffer ${buffer}'s ${
          bufferLength[buffer]
        } bytes`,
      );
    }
    if (view.byteStride !== undefined) {
      const stride = int(view.byteStride, `${path}.byteStride`, 4, 4);
      if (stride > 252 || stride % 4 !== 0) {
        fail(
          `${path}.byteStride`,
          `${stride} is not a multiple of 4 from 4 to 252`,
        );
      }
    }
    const meshopt = view.extensions?.EXT_meshopt_compression;
    if (meshopt !== undefined) {
      const at = `${path}.extensions.EXT_meshopt_compression`;
      if (!isObject(meshopt)) fail(at, "not an object");
      const source = ref(
        meshopt.buffer,
        `${at}.buffer`,
        "buffer",
        buffers.length,
      );
      const from = int(meshopt.byteOffset, `${at}.byteOffset`, 0, 0);
      const bytes = int(meshopt.byteLength, `${at}.byteLength`, 1, -1);
      const stride = int(meshopt.byteStride, `${at}.byteStride`, 1, -1);
      const count = int(meshopt.count, `${at}.count`, 1, -1);
      if (bytes < 0 || stride < 0 || count < 0) {
        fail(at, "byteLength, byteStride and count are required");
      }
      if (from + bytes > bufferLength[source]) {
        fail(at, `bytes ${from}..${from + bytes} are beyond buffer ${source}`);
      }
      if (stride * count > length) {
        fail(
          at,
          `${count} elements of ${stride} bytes do not fit the view's ${length} bytes`,
        );
      }
    }
    viewLength.push(length);
  });

  // Accessors: each must fit its view; the total decoded size is bounded.
  let accessorBytes = 0;
  const accessorCount: number[] = [];
  accessors.forEach((accessor: Json, i: number) => {
    const path = `accessors[${i}]`;
    if (!isObject(accessor)) fail(path, "not an object");
    const componentBytes = COMPONENT_BYTES[accessor.componentType];
    if (componentBytes === undefined) {
      fail(
        `${path}.componentType`,
        `${
          JSON.stringify(accessor.componentType)
        } is not a glTF component type`,
      );
    }
    const components = TYPE_COMPONENTS[accessor.type];
    if (components === undefined) {
      fail(
        `${path}.type`,
        `${JSON.stringify(accessor.type)} is not a glTF accessor type`,
      );
    }
    const count = int(accessor.count, `${path}.count`, 1, -1);
    if (count < 0) fail(`${path}.count`, "missing");
    const element = componentBytes * components;
    accessorBytes += count * element;
    if (accessorBytes > MAX_GLTF_ACCESSOR_BYTES) {
      throw gltfError(
        file,
        path,
        `the accessors decode to more than the limit of ${MAX_GLTF_ACCESSOR_BYTES} bytes`,
        RangeError,
      );
    }
    const offset = int(accessor.byteOffset, `${path}.byteOffset`, 0, 0);
    if (accessor.bufferView !== undefined) {
      const v = ref(
        accessor.bufferView,
        `${path}.bufferView`,
        "bufferView",
        views.length,
      );
      const stride = views[v].byteStride ?? element;
      const end = offset + stride * (count - 1) + element;
      if (end > viewLength[v]) {
        fail(
          path,
          `${count} elements from byte ${offset} need ${end} bytes, more than bufferView ${v}'s ${
            viewLength[v]
          }`,
        );
      }
      if (((views[v].byteOffset ?? 0) + offset) % componentBytes !== 0) {
        fail(
          `${path}.byteOffset`,
          `the data is not aligned to its ${componentBytes}-byte components`,
        );
      }
    } else if (offset !== 0) {
      fail(`${path}.byteOffset`, "given without a bufferView");
    }
    const sparse = accessor.sparse;
    if (sparse !== undefined) {
      const at = `${path}.sparse`;
      if (!isObject(sparse)) fail(at, "not an object");
      const n = int(sparse.count, `${at}.count`, 1, -1);
      if (n < 0 || n > count) {
        fail(`${at}.count`, `must be from 1 to the accessor's ${count}`);
      }
      for (const part of ["indices", "values"] as const) {
        const p = `${at}.${part}`;
        const body = sparse[part];
        if (!isObject(body)) fail(p, "missing");
        const v = ref(
          body.bufferView,
          `${p}.bufferView`,
          "bufferView",
          views.length,
        );
        const from = int(body.byteOffset, `${p}.byteOffset`, 0, 0);
        let bytes = n * element;
        if (part === "indices") {
          const size = COMPONENT_BYTES[body.componentType];
          if (![5121, 5123, 5125].includes(body.componentType)) {
            fail(`${p}.componentType`, "must be 5121, 5123 or 5125");
          }
          bytes = n * size;
        }
        if (from + bytes > viewLength[v]) {
          fail(p, `${bytes} bytes from ${from} do not fit bufferView ${v}`);
        }
      }
      accessorBytes += n * (element + 4);
    }
    accessorCount.push(count);
  });

  // Meshes: references, attribute agreement, and the totals the loader will allocate.
  let triangles = 0;
  let vertices = 0;
  const meshPrimitives: number[] = [];
  meshes.forEach((mesh: Json, m: number) => {
    const path = `meshes[${m}]`;
    if (!isObject(mesh)) fail(path, "not an object");
    if (!Array.isArray(mesh.primitives) || mesh.primitives.length === 0) {
      fail(`${path}.primitives`, "must be a non-empty array");
    }
    let meshCount = 0;
    mesh.primitives.forEach((primitive: Json, p: number) => {
      const at = `${path}.primitives[${p}]`;
      if (!isObject(primitive)) fail(at, "not an object");
      if (!isObject(primitive.attributes)) fail(`${at}.attributes`, "missing");
      let count = -1;
      let countFrom = "";
      for (const [name, value] of Object.entries(primitive.attributes)) {
        const a = ref(
          value,
          `${at}.attributes.${name}`,
          "accessor",
          accessors.length,
        );
        if (count < 0) {
          count = accessorCount[a];
          countFrom = name;
        } else if (accessorCount[a] !== count) {
          fail(
            `${at}.attributes.${name}`,
            `accessor ${a} has ${
              accessorCount[a]
            } elements, but ${countFrom} has ${count}`,
          );
        }
      }
      const mode = int(primitive.mode, `${at}.mode`, 0, 4);
      if (mode > 6) fail(`${at}.mode`, `${mode} is not a glTF primitive mode`);
      if (primitive.material !== undefined) {
        ref(primitive.material, `${at}.material`, "material", materials.length);
      }
      let elements = count < 0 ? 0 : count;
      if (primitive.indices !== undefined) {
        const a = ref(
          primitive.indices,
          `${at}.indices`,
          "accessor",
          accessors.length,
        );
        const indices = accessors[a];
        if (
          indices.type !== "SCALAR" ||
          ![5121, 5123, 5125].includes(indices.componentType)
        ) {
          fail(
            `${at}.indices`,
            `accessor ${a} is not a SCALAR of unsigned bytes, shorts or ints`,
          );
        }
        elements = accessorCount[a];
      }
      const t = mode === 4
        ? Math.floor(elements / 3)
        : mode === 5 || mode === 6
        ? Math.max(0, elements - 2)
        : 0;
      const normals = primitive.attributes.NORMAL !== undefined;
      meshCount += t;
      triangles += t;
      vertices += normals ? Math.max(count, 0) : 3 * t;
      if (triangles > MAX_GLTF_TRIANGLES) {
        throw gltfError(
          file,
          at,
          `the model has more than the limit of ${MAX_GLTF_TRIANGLES} triangles`,
          RangeError,
        );
      }
      if (vertices > MAX_GLTF_VERTICES) {
        throw gltfError(
          file,
          at,
          `the model has more than the limit of ${MAX_GLTF_VERTICES} vertices`,
          RangeError,
        );
      }
    });
    meshPrimitives.push(mesh.primitives.length);
  });

  // Materials, textures, images, samplers, cameras.
  const textureRef = (info: Json, path: string) => {
    if (info === undefined) return;
    if (!isObject(info)) fail(path, "not an object");
    ref(info.index, `${path}.index`, "texture", textures.length);
    int(info.texCoord, `${path}.texCoord`, 0, 0);
  };
  materials.forEach((material: Json, i: number) => {
    const path = `materials[${i}]`;
    if (!isObject(material)) fail(path, "not an object");
    const pbr = material.pbrMetallicRoughness;
    if (pbr !== undefined) {
      if (!isObject(pbr)) fail(`${path}.pbrMetallicRoughness`, "not an object");
      numbers(
        pbr.baseColorFactor,
        `${path}.pbrMetallicRoughness.baseColorFactor`,
        4,
      );
      textureRef(
        pbr.baseColorTexture,
        `${path}.pbrMetallicRoughness.baseColorTexture`,
      );
      textureRef(
        pbr.metallicRoughnessTexture,
        `${path}.pbrMetallicRoughness.metallicRoughnessTexture`,
      );
    }
    numbers(material.emissiveFactor, `${path}.emissiveFactor`, 3);
    for (
      const slot of ["normalTexture", "occlusionTexture", "emissiveTexture"]
    ) {
      textureRef(material[slot], `${path}.${slot}`);
    }
    const transmission = material.extensions?.KHR_materials_transmission;
    if (isObject(transmission)) {
      textureRef(
        transmission.transmissionTexture,
        `${path}.extensions.KHR_materials_transmission.transmissionTexture`,
      );
    }
    const mode = material.alphaMode;
    if (mode !== undefined && !["OPAQUE", "MASK", "BLEND"].includes(mode)) {
      fail(
        `${path}.alphaMode`,
        `${JSON.stringify(mode)} is not OPAQUE, MASK or BLEND`,
      );
    }
  });
  textures.forEach((texture: Json, i: number) => {
    const path = `textures[${i}]`;
    if (!isObject(texture)) fail(path, "not an object");
    if (texture.source !== undefined) {
      ref(texture.source, `${path}.source`, "image", images.length);
    }
    if (texture.sampler !== undefined) {
      ref(texture.sampler, `${path}.sampler`, "sampler", samplers.length);
    }
  });
  images.forEach((image: Json, i: number) => {
    const path = `images[${i}]`;
    if (!isObject(image)) fail(path, "not an object");
    if (image.bufferView !== undefined) {
      ref(image.bufferView, `${path}.bufferView`, "bufferView", views.length);
    } else if (typeof image.uri !== "string") {
      fail(path, "has neither a uri nor a bufferView");
    }
  });
  cameras.forEach((camera: Json, i: number) => {
    const path = `cameras[${i}]`;
    if (!isObject(camera)) fail(path, "not an object");
    if (camera.type === "perspective") {
      const p = camera.perspective;
      if (!isObject(p)) fail(`${path}.perspective`, "missing");
      if (!(p.yfov > 0 && p.yfov < Math.PI)) {
        fail(`${path}.perspective.yfov`, "must be between 0 and π");
      }
      if (!(p.znear > 0)) fail(`${path}.perspective.znear`, "must be > 0");
    } else if (camera.type === "orthographic") {
      const o = camera.orthographic;
      if (!isObject(o)) fail(`${path}.orthographic`, "missing");
      for (const key of ["xmag", "ymag"]) {
        if (!(typeof o[key] === "number" && o[key] !== 0 && isFinite(o[key]))) {
          fail(`${path}.orthographic.${key}`, "must be a non-zero number");
        }
      }
    } else {
      fail(
        `${path}.type`,
        `${JSON.stringify(camera.type)} is not perspective or orthographic`,
      );
    }
  });
  const lights = json.extensions?.KHR_lights_punctual?.lights;
  const lightCount = Array.isArray(lights) ? lights.length : 0;
  if (Array.isArray(lights)) {
    lights.forEach((light: Json, i: number) => {
      const path = `extensions.KHR_lights_punctual.lights[${i}]`;
      if (!isObject(light)) fail(path, "not an object");
      if (!["point", "spot", "directional"].includes(light.type)) {
        fail(
          `${path}.type`,
          `${JSON.stringify(light.type)} is not point, spot or directional`,
        );
      }
    });
  }

  // Nodes: references, transforms, and a forest (one parent each, no cycles).
  const parent = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((node: Json, i: number) => {
    const path = `nodes[${i}]`;
    if (!isObject(node)) fail(path, "not an object");
    if (node.mesh !== undefined) {
      ref(node.mesh, `${path}.mesh`, "mesh", meshes.length);
    }
    if (node.camera !== undefined) {
      ref(node.camera, `${path}.camera`, "camera", cameras.length);
    }
    numbers(node.matrix, `${path}.matrix`, 16);
    numbers(node.translation, `${path}.translation`, 3);
    numbers(node.rotation, `${path}.rotation`, 4);
    numbers(node.scale, `${path}.scale`, 3);
    const light = node.extensions?.KHR_lights_punctual;
    if (light !== undefined) {
      ref(
        light?.light,
        `${path}.extensions.KHR_lights_punctual.light`,
        "light",
        lightCount,
      );
    }
    const children = arrayOf(node, "children", fail, path);
    children.forEach((child: unknown, c: number) => {
      const k = ref(child, `${path}.children[${c}]`, "node", nodes.length);
      if (parent[k] >= 0) {
        fail(
          `${path}.children[${c}]`,
          `node ${k} already has a parent (nodes[${parent[k]}])`,
        );
      }
      parent[k] = i;
    });
  });
  // With one parent each, a cycle is a chain that never reaches a root.
  const state = new Uint8Array(nodes.length); // 0 unseen, 1 on the current chain, 2 done
  for (let start = 0; start < nodes.length; start++) {
    let n = start;
    while (n >= 0 && state[n] === 0) {
      state[n] = 1;
      n = parent[n];
    }
    if (n >= 0 && state[n] === 1) {
      fail(
        `nodes[${n}]`,
        "is its own ancestor (the node hierarchy has a cycle)",
      );
    }
    for (let m = start; m >= 0 && state[m] === 1; m = parent[m]) state[m] = 2;
  }

  // Scenes, and the placements the shown scene makes.
  scenes.forEach((scene: Json, i: number) => {
    const path = `scenes[${i}]`;
    if (!isObject(scene)) fail(path, "not an object");
    arrayOf(scene, "nodes", fail, path).forEach((root: unknown, r: number) => {
      const k = ref(root, `${path}.nodes[${r}]`, "node", nodes.length);
      if (parent[k] >= 0) {
        fail(
          `${path}.nodes[${r}]`,
          `node ${k} is not a root (its parent is nodes[${parent[k]}])`,
        );
      }
    });
  });
  let scene = -1;
  if (json.scene !== undefined) {
    scene = ref(json.scene, "scene", "scene", scenes.length);
  } else if (scenes.length > 0) scene = 0;
  if (scene >= 0) {
    let placements = 0;
    const stack = [...(scenes[scene].nodes ?? [])] as number[];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const node = nodes[n];
      if (node.mesh !== undefined) placements += meshPrimitives[node.mesh];
      if (placements > MAX_GLTF_INSTANCES) {
        throw gltfError(
          file,
          `nodes[${n}]`,
          `the scene places more than the limit of ${MAX_GLTF_INSTANCES} primitives`,
          RangeError,
        );
      }
      for (const child of node.children ?? []) stack.push(child);
    }
  }
  return { scene, warnings, used };
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function arrayOf(
  owner: Json,
  key: string,
  fail: (path: string, message: string) => never,
  at: string,
): Json[] {
  const value = owner[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    fail(at === "" ? key : `${at}.${key}`, "must be an array");
  }
  return value;
}
